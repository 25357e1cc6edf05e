// The HTML pages, rendered whole on the server: readable without JavaScript, one small inline
// script that tells the server the viewer's time zone and UTC offset (cookies, one reload) and
// refreshes a live page every minute. No external assets: a station is often offline.

import CivilTime
import Lake

enum Pages {
    /// A reading older than this is marked stale. Batches land every 15 minutes by default
    /// (OPENSENSOR_BATCH_DURATION), so a healthy station's newest reading in the lake can be
    /// up to 15 minutes old; twice that means a batch is missing.
    static let staleAfter: Int64 = 30 * 60_000

    struct Context {
        var now: Int64
        /// The zone times are shown in.
        var zone: ViewerZone
        /// The zone name the browser's `tzname` cookie gave ("" without one), whether or not the
        /// database knows it: the script reloads only when the browser's zone is not the one
        /// the server heard.
        var zoneCookie: String = ""
        /// The page's Content-Security-Policy nonce: its inline script and style carry it.
        var nonce: String = ""
        /// How often a last-hour page fetches itself again (the collector's read interval).
        var liveRefreshMillis: Int64 = 5000
    }

    /// How often any other live page (the front page, longer ranges) fetches itself again.
    static let slowRefreshMillis: Int64 = 60_000

    // MARK: Front page

    static func index(_ stations: [StationSummary], location: String, network: Bool, _ c: Context) -> String {
        var body = "<header><h1>opensensor</h1><p class=\"sub\">\(stations.count) station\(stations.count == 1 ? "" : "s") in <code>\(HTML.escape(location))</code> · times in \(HTML.escape(c.zone.label(from: c.now, to: c.now + 1)))</p></header>\n"
        if stations.isEmpty {
            body += network
                ? "<p class=\"empty\">The registry lists no approved station (<code>--all</code> shows the others).</p>\n"
                : "<p class=\"empty\">No stations yet. Start the collector (<code>opensensor start</code>) or point <code>--data</code> at a lake.</p>\n"
        } else {
            body += "<div class=\"table-wrap\" data-part=\"stations\"><table class=\"stations\"><thead><tr><th>Station</th>\(network ? "<th>Place</th><th>Type</th>" : "")<th>Last reading</th><th>Age</th><th>PM2.5</th><th>PM10</th><th>Air quality</th></tr></thead><tbody>\n"
            for s in stations {
                let id = HTML.escape(s.id)
                let title = s.registry.map { $0.name.isEmpty ? id : HTML.escape($0.name) + " <code class=\"id\">\(id)</code>" } ?? id
                body += "<tr class=\"station\" data-station=\"\(id)\"><td><a href=\"/stations/\(id)\">\(title)</a>\(s.hasHealth ? " <span class=\"tag\">health</span>" : "")</td>"
                if network {
                    body += "<td>\(place(s.registry))</td><td>\(HTML.escape([s.registry?.stationType, s.registry?.sensorType].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ")))</td>"
                }
                if let reason = s.unavailable {
                    body += "<td colspan=\"5\"><span class=\"unavailable\">unavailable: \(HTML.escape(reason))</span></td></tr>\n"
                } else if let l = s.latest {
                    body += "<td>\(timeElement(l.time, c))</td><td>\(ageElement(l.time, c))</td>"
                    body += "<td>\(pmCell(l, "pm25", decimals: 1))</td><td>\(pmCell(l, "pm10", decimals: 0))</td><td>\(aqiCell(l))</td></tr>\n"
                } else {
                    body += "<td>—</td><td><span class=\"age none\">no readings yet</span></td><td></td><td></td><td></td></tr>\n"
                }
            }
            body += "</tbody></table></div>\n"
            body += "<p class=\"sub\">Air quality: the US EPA AQI (2024 breakpoints) of the newest PM2.5 and PM10 reading, the worse of the two; the EPA's index is meant for 24-hour averages.</p>\n"
        }
        body += "<footer><a href=\"/api/stations\">JSON</a> · <a href=\"/api/stations?format=csv\">CSV</a></footer>\n"
        return document(title: "opensensor", body: body, c, refreshMillis: slowRefreshMillis)
    }

    /// A registry entry's place: its coordinates, and its description when it has one.
    static func place(_ r: RegisteredStation?) -> String {
        guard let r else { return "" }
        var parts: [String] = []
        if let lat = r.latitude, let lon = r.longitude {
            parts.append("\(NumberText.format(lat, decimals: 4)), \(NumberText.format(lon, decimals: 4))")
        }
        if !r.description.isEmpty { parts.append(r.description) }
        return HTML.escape(parts.joined(separator: " · "))
    }

    static func pmCell(_ l: LatestRow, _ column: String, decimals: Int) -> String {
        guard let v = l.values[column] else { return "—" }
        if l.implausible.contains(column) {
            return "<span class=\"implausible\" title=\"implausible: left out of averages\">\(NumberText.format(v, decimals: decimals))?</span>"
        }
        return NumberText.format(v, decimals: decimals)
    }

    static func aqiCell(_ l: LatestRow) -> String {
        guard let aqi = AirQuality.combined(pm25: l.plausible("pm25"), pm10: l.plausible("pm10")) else { return "—" }
        // A class, not a style attribute: the page's policy admits only its own style element.
        return "<span class=\"aqi aqi-\(aqi.category.rawValue)\" data-aqi=\"\(aqi.index)\">\(aqi.index) · \(HTML.escape(aqi.category.name))</span>"
    }

    /// The AQI categories' colours, the EPA's.
    static let aqiCSS = AQICategory.allCases.map { k in
        let (r, g, b) = k.rgb
        return ".aqi-\(k.rawValue){background:rgb(\(r),\(g),\(b));color:\(k >= .unhealthy ? "#fff" : "#000")}"
    }.joined()

    // MARK: Station page

    struct StationData {
        var id: String
        var range: ViewRange
        var latest: LatestRow?
        var sensor: QueryResult
        var health: QueryResult?
        var healthLatest: LatestRow?
        /// A network station's registry entry.
        var registry: RegisteredStation? = nil
        /// Whether implausible values were averaged in (`?keep_implausible=1`).
        var keepImplausible = false
        /// Why the collector's journal could not be read, when it could not.
        var journalNotice: String? = nil
    }

    static func station(_ d: StationData, _ c: Context) -> String {
        let id = HTML.escape(d.id)
        let axis = TimeAxis(from: d.range.from, to: d.range.to, step: d.range.every.millis, zone: c.zone)
        var body = "<header><p class=\"crumbs\"><a href=\"/\">opensensor</a> ›</p>"
        if let r = d.registry, !r.name.isEmpty {
            body += "<h1>\(HTML.escape(r.name)) <code class=\"id\">\(id)</code></h1>\n"
            let who = r.contributorName.isEmpty ? "" : " · by \(HTML.escape(r.contributorName))"
            body += "<p class=\"sub\">\(place(r))\(who)</p>\n"
        } else {
            body += "<h1>Station <code>\(id)</code></h1>\n"
        }
        body += "<p class=\"sub\" data-part=\"last\">"
        if let l = d.latest {
            body += "Last reading \(timeElement(l.time, c, seconds: true)) \(ageElement(l.time, c))"
        } else {
            body += "<span class=\"age none\">No readings yet</span>"
        }
        body += " · times in \(HTML.escape(c.zone.label(from: d.range.from, to: d.range.to)))</p></header>\n"
        body += rangeNav(d, c)

        // Big numbers with the range's sparkline.
        body += "<section class=\"now\" aria-label=\"Latest values\" data-part=\"now\">\n"
        let sensorSeries = series(d.sensor)
        for h in Catalog.headlines {
            let value = d.latest?.values[h.column]
            let implausible = d.latest?.implausible.contains(h.column) ?? false
            body += "<div class=\"big\(implausible ? " implausible" : "")\" data-column=\"\(h.column)\"\(value.map { " data-value=\"\(Float($0).description)\"" } ?? "")>"
            body += "<span class=\"label\">\(HTML.escape(h.label))\(implausible ? " (implausible)" : "")</span>"
            body += "<span class=\"value\">\(value.map { NumberText.format($0, decimals: h.decimals) } ?? "—")</span>"
            body += "<span class=\"unit\">\(HTML.escape(h.unit))</span>"
            body += Sparkline.render(ChartSeries(key: h.column, label: h.label, points: sensorSeries[h.column] ?? []), axis: axis)
            body += "</div>\n"
        }
        body += "</section>\n"

        body += "<div data-part=\"notes\">" + implausibleNote(d)
        if let notice = d.journalNotice {
            body += "<p class=\"note\">The newest readings could not be read from the collector's journal (\(HTML.escape(notice))); the page shows the batch files.</p>"
        }
        body += "</div>\n<section class=\"charts\" aria-label=\"Sensor charts\" data-part=\"charts\">\n"
        for chart in Catalog.sensorCharts { body += figure(chart, sensorSeries, axis, d) }
        body += "</section>\n"
        if let health = d.health {
            body += "<h2 class=\"part\">Station health</h2>\n<section class=\"charts health\" aria-label=\"Health charts\" data-part=\"health\">\n"
            let healthSeries = series(health)
            for chart in Catalog.healthCharts { body += figure(chart, healthSeries, axis, d) }
            body += "</section>\n"
        }
        body += "<footer><p>The same numbers from the command line:</p><pre><code>\(HTML.escape(d.range.command(kind: .data, station: d.id, columns: [], format: "csv")))</code></pre></footer>\n"
        // A preset range ends now: it follows the readings, the last hour at the read interval.
        let refresh: Int64? = d.range.name == "custom" ? nil : d.range.name == "1h" ? c.liveRefreshMillis : slowRefreshMillis
        return document(title: "Station \(d.id) — opensensor", body: body, c, refreshMillis: refresh)
    }

    /// How many readings of the range had values left out as implausible, with the link that
    /// puts them back (or takes them out again).
    static func implausibleNote(_ d: StationData) -> String {
        let base = "?" + rangeQuery(d.range)
        if d.keepImplausible {
            return "<p class=\"note implausible\">Implausible sensor values are included. <a href=\"\(HTML.escape(base))\">Leave them out</a></p>\n"
        }
        let n = d.sensor.implausible
        guard n > 0 else { return "" }
        return "<p class=\"note implausible\" data-implausible=\"\(n)\">\(n) reading\(n == 1 ? "" : "s") had values outside the sensors' plausible ranges (a stuck particle sensor, a broken gas heater, …), left out of the charts. <a href=\"\(HTML.escape(base + "&keep_implausible=1"))\">Include them</a></p>\n"
    }

    static func rangeNav(_ d: StationData, _ c: Context) -> String {
        var s = "<nav class=\"ranges\" aria-label=\"Time range\">"
        for p in ViewRange.presets {
            let on = p.name == d.range.name
            s += "<a href=\"?range=\(p.name)\"\(on ? " class=\"on\" aria-current=\"page\"" : "")>\(p.label)</a>"
        }
        let from = LocalTime.format(d.range.from, zone: c.zone, .full).replacingSpace("T")
        let to = LocalTime.format(d.range.to, zone: c.zone, .full).replacingSpace("T")
        s += "<form method=\"get\" class=\"custom\"><input type=\"hidden\" name=\"range\" value=\"custom\">"
        s += "<label>From <input type=\"datetime-local\" name=\"from\" value=\"\(from)\" required></label> "
        s += "<label>to <input type=\"datetime-local\" name=\"to\" value=\"\(to)\" required></label> "
        s += "<button type=\"submit\"\(d.range.name == "custom" ? " class=\"on\"" : "")>Show</button></form>"
        s += "<p class=\"resolution\">\(LocalTime.format(d.range.from, zone: c.zone, .dayTime)) – \(LocalTime.format(d.range.to, zone: c.zone, .dayTime)), averages per \(d.range.every)</p>"
        return s + "</nav>\n"
    }

    static func figure(_ chart: ChartDefinition, _ series: [String: [ChartPoint]], _ axis: TimeAxis, _ d: StationData) -> String {
        let spec = ChartSpec(
            id: chart.id, title: chart.title, unit: chart.unit,
            series: chart.columns.map { ChartSeries(key: $0.name, label: $0.label, points: series[$0.name] ?? []) },
            axis: axis, includeZero: chart.includeZero)
        let api = "/api/stations/\(d.id)/series?chart=\(chart.id)&" + rangeQuery(d.range)
        // The chart draws its own title (with the unit); no heading repeats it.
        return "<figure id=\"fig-\(chart.id)\" class=\"chart-box\">"
            + SVGChart.render(spec)
            + "<figcaption><a href=\"\(HTML.escape(api))&amp;format=csv\">CSV</a> · <a href=\"\(HTML.escape(api))&amp;format=json\">JSON</a></figcaption></figure>\n"
    }

    /// The parameters that pin `range` down exactly, for links to the data behind a page.
    static func rangeQuery(_ r: ViewRange) -> String {
        "range=custom&from=\(ISO8601.format(millis: r.from))&to=\(ISO8601.format(millis: r.to))"
    }

    /// Each column's averages as chart points, one per bucket that had readings.
    static func series(_ result: QueryResult) -> [String: [ChartPoint]] {
        var out: [String: [ChartPoint]] = [:]
        for (c, column) in result.columns.enumerated() {
            out[column.name] = result.groups.map { ChartPoint(t: $0.start, value: $0.aggregates[c].average) }
        }
        return out
    }

    // MARK: Errors

    static func error(_ e: DashboardError, _ c: Context) -> String {
        let title = e.status == 404 ? "Not found" : e.status == 400 ? "Bad request" : "Error"
        return document(title: "\(title) — opensensor",
                        body: "<header><p class=\"crumbs\"><a href=\"/\">opensensor</a> ›</p><h1>\(title)</h1></header>\n<p class=\"error\">\(HTML.escape(e.message))</p>\n",
                        c, refreshMillis: nil)
    }

    // MARK: Pieces

    static func timeElement(_ t: Int64, _ c: Context, seconds: Bool = false) -> String {
        "<time datetime=\"\(ISO8601.format(millis: t))\" data-t=\"\(t)\">\(LocalTime.format(t, zone: c.zone, seconds ? .fullSeconds : .full))</time>"
    }

    static func ageElement(_ t: Int64, _ c: Context) -> String {
        let age = c.now - t
        return "<span class=\"age \(age > staleAfter ? "stale" : "fresh")\" data-age-seconds=\"\(age / 1000)\">\(ageText(age))</span>"
    }

    static func ageText(_ millis: Int64) -> String {
        let s = millis / 1000
        if s < 0 { return "in the future (clock?)" }
        if s < 60 { return "just now" }
        if s < 3600 { return "\(s / 60) min ago" }
        if s < 2 * 86_400 { return "\(s / 3600) h ago" }
        return "\(s / 86_400) days ago"
    }

    /// A page; one with `refreshMillis` fetches itself that often and swaps in its `data-part`
    /// elements (the script below), so it follows the readings without a reload.
    static func document(title: String, body: String, _ c: Context, refreshMillis: Int64?) -> String {
        var s = "<!DOCTYPE html>\n<html lang=\"en\" data-tz=\"\(c.zone.offsetMinutes(at: c.now))\" data-zone=\"\(HTML.escape(c.zoneCookie))\" data-live=\"\(refreshMillis == nil ? 0 : 1)\" data-refresh=\"\(refreshMillis ?? 0)\"><head><meta charset=\"utf-8\">"
        s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>\(HTML.escape(title))</title>"
        s += "<link rel=\"icon\" href=\"data:,\"><style nonce=\"\(c.nonce)\">\(css)\(aqiCSS)</style></head>\n<body>\n"
        s += body
        s += "<script nonce=\"\(c.nonce)\">\(script)</script>\n</body></html>\n"
        return s
    }

    static let css = """
        :root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6570;--bg:#fbfbfa;--card:#fff;--line:#d9dde2}
        @media (prefers-color-scheme:dark){:root{--fg:#e6e8ea;--muted:#9aa4ae;--bg:#14171a;--card:#1c2024;--line:#333a41}}
        *{box-sizing:border-box}body{margin:0 auto;max-width:1180px;padding:12px;font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
        h1{font-size:1.35rem;margin:.2rem 0}h2{font-size:1rem;margin:0 0 .3rem}code{font-size:.9em;word-break:break-all}
        a{color:#0b6bcb}.sub,.crumbs,.resolution,figcaption,footer{color:var(--muted);font-size:.9rem}.crumbs{margin:0}
        .age.fresh{color:#1a7f37}.age.stale{color:#c0392b;font-weight:600}.age.none{color:var(--muted)}
        table.stations{border-collapse:collapse;width:100%}table.stations td,table.stations th{text-align:left;padding:.4rem;border-bottom:1px solid var(--line)}
        .tag{font-size:.75rem;border:1px solid var(--line);border-radius:4px;padding:0 4px;color:var(--muted)}
        nav.ranges{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:.6rem 0}
        nav.ranges a,nav.ranges button{padding:.25rem .6rem;border:1px solid var(--line);border-radius:6px;text-decoration:none;background:var(--card);color:inherit;font:inherit}
        nav.ranges .on{background:#0b6bcb;color:#fff;border-color:#0b6bcb}nav.ranges form{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
        nav.ranges input{font:inherit;max-width:14rem}.resolution{flex-basis:100%;margin:0}
        section.now{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.5rem;margin:.6rem 0}
        .big{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.4rem .6rem;display:grid;grid-template-columns:auto 1fr;align-items:baseline}
        .big .label{grid-column:1/3;color:var(--muted);font-size:.85rem}.big .value{font-size:1.9rem;font-weight:600;font-variant-numeric:tabular-nums}
        .big .unit{margin-left:.3rem;color:var(--muted)}.big svg{grid-column:1/3;width:100%;height:32px}
        section.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr));gap:.6rem}
        figure{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.5rem}figure svg{width:100%;height:auto;display:block}
        svg text{fill:currentColor}.part{margin-top:1.2rem}pre{white-space:pre-wrap;word-break:break-all}.error{color:#c0392b;font-weight:600}
        .aqi{padding:0 .4rem;border-radius:4px;white-space:nowrap}.unavailable{color:#c0392b}.implausible{color:#b35c00}.big.implausible .value{text-decoration:line-through}
        .note{color:var(--muted);font-size:.9rem}.table-wrap{overflow-x:auto}code.id{color:var(--muted);font-size:.8em}
        """

    /// Tells the server the viewer's zone name and current offset through cookies and reloads
    /// once when the page was drawn without them (unless `?zone=` or `?tz=` chose a zone);
    /// follows a live page while it is visible: every `data-refresh` ms it fetches the page again
    /// and swaps in its `data-part` elements (a reload when the page's parts changed shape). The
    /// fetched page's own style and script are dropped before it is parsed: their nonce is not
    /// this page's, and the parser would report them to the console as policy violations.
    /// Zone names are sent only when they look like IANA names, which are valid cookie values
    /// as they are.
    static let script = """
        (function(){var o=-new Date().getTimezoneOffset(),r=document.documentElement,z="",a="; path=/; max-age=31536000; samesite=lax";
        try{z=Intl.DateTimeFormat().resolvedOptions().timeZone||"";}catch(e){}
        if(!/^[A-Za-z0-9_+\\/-]{1,64}$/.test(z))z="";
        document.cookie="tz="+o+a;if(z)document.cookie="tzname="+z+a;
        if((r.dataset.tz!==String(o)||r.dataset.zone!==z)&&!/[?&](tz|zone)=/.test(location.search)&&!sessionStorage.getItem("tz-reload")){sessionStorage.setItem("tz-reload","1");location.reload();return;}
        if(r.dataset.live==="1"){var busy=false;setInterval(function(){if(document.hidden||busy)return;busy=true;
        fetch(location.href,{credentials:"same-origin"}).then(function(x){if(!x.ok)throw new Error(String(x.status));return x.text();}).then(function(t){
        var d=new DOMParser().parseFromString(t.replace(/<(style|script)[^>]*>[\\s\\S]*?<\\/\\1>/g,""),"text/html"),a=document.querySelectorAll("[data-part]"),b=d.querySelectorAll("[data-part]");
        if(a.length!==b.length){location.reload();return;}
        for(var i=0;i<a.length;i++)a[i].replaceWith(document.importNode(b[i],true));}).catch(function(){}).then(function(){busy=false;});
        },+r.dataset.refresh||60000);}})();
        """
}

extension String {
    /// `2026-06-03 14:05` → `2026-06-03T14:05`, the form a datetime-local field takes.
    fileprivate func replacingSpace(_ with: String) -> String {
        var out = ""
        for ch in self { if ch == " " { out += with } else { out.append(ch) } }
        return out
    }
}
