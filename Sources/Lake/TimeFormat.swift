import CivilTime

// Transitional: forwards to CivilTime while the call sites move; removed with the last one.
public enum TimeFormat {
    public static func iso8601(millis: Int64) -> String { ISO8601.format(millis: millis) }

    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let d = CivilDate(daysSince1970: days)
        return (d.year, d.month, d.day)
    }
}
