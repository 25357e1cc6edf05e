// Masking of secrets, the `.env` writer used by `opensensor setup`, and UUIDv7 station ids.

import Foundation
import Testing
@testable import Config

@Suite("Config: secrets are never printed")
struct ConfigMaskingTests {
    static let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    static let azureKey = "c2VjcmV0LWF6dXJlLWtleQ=="
    static let sas = "sv=2022-11-02&sig=TOPSECRETSIG"

    @Test func noDescriptionRevealsASecret() throws {
        let (config, _) = try StationConfig.load(
            environment: [
                "OPENSENSOR_SYNC_ENABLED": "yes", "OPENSENSOR_STORAGE_BUCKET": "b",
                "OPENSENSOR_AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE", "OPENSENSOR_AWS_SECRET_ACCESS_KEY": Self.secret,
                "OPENSENSOR_AZURE_STORAGE_KEY": Self.azureKey, "OPENSENSOR_AZURE_SAS_TOKEN": Self.sas,
            ], envFile: nil, overrides: [:])
        #expect(config.sync.storage.awsSecretAccessKey == Self.secret)
        var dumped = ""
        dump(config, to: &dumped)
        var dumpedStorage = ""
        dump(config.healthSync.storage, to: &dumpedStorage)
        let texts = [
            config.description, config.debugDescription, config.redactedDescription, "\(config)",
            String(reflecting: config), String(describing: config.sync.storage), "\(config.healthSync.storage)",
            String(reflecting: config.sync), dumped, dumpedStorage,
            config.entries.map(\.display).joined(separator: " "),
        ]
        for text in texts {
            for secret in [Self.secret, Self.azureKey, Self.sas, "AKIAIOSFODNN7EXAMPLE"] {
                #expect(!text.contains(secret), "a secret appears in: \(text.prefix(80))")
            }
        }
        #expect(config.redactedDescription.contains("OPENSENSOR_AWS_ACCESS_KEY_ID=AKIA…MPLE"))
        #expect(config.redactedDescription.contains("OPENSENSOR_AWS_SECRET_ACCESS_KEY=****"))
        #expect(config.redactedDescription.contains("OPENSENSOR_HEALTH_AWS_SECRET_ACCESS_KEY=**** (inherited)"))
        #expect(config.redactedDescription.contains("OPENSENSOR_STORAGE_BUCKET=b (environment)"))
    }

    @Test func everyCredentialKeyIsMarkedSensitive() {
        for key in ConfigKey.all where key.name.hasSuffix("_SECRET_ACCESS_KEY") || key.name.hasSuffix("_STORAGE_KEY")
            || key.name.hasSuffix("_SAS_TOKEN")
        {
            #expect(key.sensitivity == .secret, "\(key.name)")
            #expect(key.mask("abcdefghijklmnopqrstuvwxyz") == "****")
        }
    }
}

@Suite("Config: .env writer")
struct ConfigWriterTests {
    static let existing = """
        # My station — keep this comment
        OPENSENSOR_STATION_ID=019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9e
        SOME_OTHER_TOOL=keep me   # and this one

        export OPENSENSOR_OUTPUT_DIR=old-output
        OPENSENSOR_AWS_SECRET_ACCESS_KEY="multi
        line"
        # trailing comment
        OPENSENSOR_OUTPUT_DIR=duplicate

        """

    @Test func replacesInPlaceKeepsTheRestAndAppendsNewKeys() throws {
        let text = try EnvFileWriter.render(existing: Self.existing, settings: [
            ("OPENSENSOR_OUTPUT_DIR", "/data/lake"),
            ("OPENSENSOR_AWS_SECRET_ACCESS_KEY", "new secret"),
            ("OPENSENSOR_COMPRESSION", "zstd"),
        ])
        #expect(text == """
            # My station — keep this comment
            OPENSENSOR_STATION_ID=019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9e
            SOME_OTHER_TOOL=keep me   # and this one

            OPENSENSOR_OUTPUT_DIR=/data/lake
            OPENSENSOR_AWS_SECRET_ACCESS_KEY="new secret"
            # trailing comment
            OPENSENSOR_COMPRESSION=zstd

            """)
    }

    @Test func writtenValuesReadBackExactly() throws {
        let awkward = ["a b # c", "quote\"s and 'single'", "back\\slash", "two\nlines", "#hash", "", "tab\there"]
        var settings: [(key: String, value: String)] = []
        for (i, value) in awkward.enumerated() { settings.append(("K\(i)", value)) }
        let text = try EnvFileWriter.render(existing: nil, settings: settings)
        let read = try DotEnv.values(text, path: "w", environment: [:])
        #expect(read.map(\.value) == awkward)
    }

    @Test func refusesToRewriteAFileItCannotParse() {
        #expect(throws: ConfigError.malformedEnvFile(path: "p", line: 2, expected: "`=` after the key BROKEN")) {
            _ = try EnvFileWriter.render(existing: "A=1\nBROKEN LINE\n", path: "p", settings: [("A", "2")])
        }
    }

    @Test func updateWritesAtomicallyWithMode0600() throws {
        let scratch = try ConfigScratch()
        let file = try scratch.write(".env", "# keep\nOPENSENSOR_READ_INTERVAL=5\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        try EnvFileWriter.update(path: file, settings: [("OPENSENSOR_READ_INTERVAL", "10")])
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "# keep\nOPENSENSOR_READ_INTERVAL=10\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == [".env"])

        let fresh = scratch.path + "/new.env"
        try EnvFileWriter.update(path: fresh, settings: [("OPENSENSOR_STATION_ID", "x")])
        let freshMode = try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? NSNumber
        #expect(freshMode?.intValue == 0o600)
        let (config, _) = try StationConfig.load(environment: [:], envFile: file, overrides: [:])
        #expect(config.readInterval == 10)
    }
}

@Suite("Config: UUIDv7 station ids")
struct ConfigUUIDv7Tests {
    @Test func layoutHasTheTimestampVersionAndVariant() throws {
        var random = ConfigTestRandom(seed: 42)
        let ms: UInt64 = 0x0193_74A2_6A1E
        let text = UUIDv7.generate(unixMilliseconds: ms, using: &random)
        #expect(UUIDText.canonical(text) == text)
        let bytes = try #require(UUIDText.bytes(text))
        let stamp = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(stamp == ms)
        #expect(bytes[6] >> 4 == 7)
        #expect(bytes[8] >> 6 == 0b10)
        #expect(text.hasPrefix("019374a2-6a1e-7"))
    }

    @Test func idsSortByTimeAndDifferWithinAMillisecond() {
        var random = ConfigTestRandom(seed: 1)
        var ids: [String] = []
        var ms: UInt64 = 1_700_000_000_000
        for step in 0..<500 {
            ms += UInt64(step % 3)  // repeats some milliseconds
            ids.append(UUIDv7.generate(unixMilliseconds: ms, using: &random))
        }
        #expect(Set(ids).count == ids.count)
        var times: [String] = ids.map { String($0.prefix(13)) }
        #expect(times == times.sorted())
        let later = UUIDv7.generate(unixMilliseconds: ms + 1, using: &random)
        #expect(ids.allSatisfy { $0 < later })
        times.removeAll()
    }

    @Test func randomBitsComeFromTheInjectedSource() {
        var a = ConfigTestRandom(seed: 9)
        var b = ConfigTestRandom(seed: 9)
        var c = ConfigTestRandom(seed: 10)
        let x = UUIDv7.generate(unixMilliseconds: 5, using: &a)
        #expect(x == UUIDv7.generate(unixMilliseconds: 5, using: &b))
        #expect(x != UUIDv7.generate(unixMilliseconds: 5, using: &c))
    }

    @Test func theSystemClockIsNearNow() {
        let id = UUIDv7.generate()
        let bytes = UUIDText.bytes(id) ?? []
        let stamp = bytes.prefix(6).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        #expect(stamp <= now + 1000 && stamp + 60_000 >= now)
    }
}
