// `--data s3://BUCKET/PREFIX`: a lake in a bucket, read with the storage settings sync uses
// (provider, endpoint, region, keys; no keys: unsigned requests, for a public bucket) and
// through the local cache of immutable objects (OPENSENSOR_CACHE_DIR, OPENSENSOR_CACHE_MB).

import Config
import Lake
import ObjectStore
import S3ObjectStore

struct RemoteLake {
    let source: ObjectStoreLakeSource
    /// The day files beside it (ObjectPath.dailyPrefix), read in place of a compacted day's
    /// batch files.
    let daily: ObjectStoreLakeSource
    let store: S3ObjectStore

    /// Requests in flight to the bucket at once: its lake's fetches and listings, and the
    /// store's connections. Across a network each small object costs a round trip, so the
    /// number in flight, not the bandwidth, sets the pace (Benchmarks/run-remote.sh, RTT_MS).
    static let requestsAtOnce = 16

    /// Whether `--data` names a bucket rather than a folder.
    static func isRemote(_ data: String) -> Bool { data.lowercased().hasPrefix("s3://") }

    /// Opens `s3://bucket/prefix` with `config`'s storage settings (its bucket and prefix are
    /// the URL's).
    static func open(_ url: String, option: String = "--data", config: StationConfig, environment: [String: String],
                     timeout: Duration = .seconds(120)) throws -> RemoteLake {
        RemoteLake(try Bucket(url, option: option, config: config), cache: cache(config, environment), timeout: timeout)
    }

    /// The lake under `bucket`'s prefix, with its day files, read through `cache`; the store
    /// may be shared with other lakes of the same bucket.
    init(_ bucket: Bucket, cache: LakeObjectCache?, timeout: Duration = .seconds(120)) {
        source = ObjectStoreLakeSource(store: bucket.store, prefix: bucket.prefix, location: bucket.location, cache: cache,
                                       concurrency: Self.requestsAtOnce, timeout: timeout)
        daily = ObjectStoreLakeSource(store: bucket.store, prefix: ObjectPath.dailyPrefix(of: bucket.prefix), location: bucket.dailyLocation,
                                      cache: cache, concurrency: Self.requestsAtOnce, timeout: timeout)
        store = bucket.store
    }

    /// The local cache of immutable objects the settings ask for (none with OPENSENSOR_CACHE_MB=0).
    static func cache(_ config: StationConfig, _ environment: [String: String]) -> LakeObjectCache? {
        guard config.cacheMB > 0, let folder = config.cacheDirectory ?? LakeObjectCache.defaultFolder(environment: environment) else { return nil }
        return LakeObjectCache(folder: folder, maxBytes: Int64(config.cacheMB) << 20)
    }

    /// A bucket and prefix named by an `s3://BUCKET/PREFIX` option, opened with the storage
    /// settings sync uses.
    struct Bucket {
        let store: S3ObjectStore
        /// Without slashes around it; empty for the bucket's root.
        let prefix: String
        /// `s3://bucket/prefix`, for messages.
        let location: String
        /// `s3://bucket`.
        let root: String

        init(_ url: String, option: String, config: StationConfig) throws {
            let rest = url.dropFirst(5)
            let bucket = String(rest.prefix { $0 != "/" })
            let prefix = String(rest.dropFirst(bucket.count).drop { $0 == "/" })
            guard !bucket.isEmpty else { throw CLIError("\(option) \(url): expected s3://BUCKET/PREFIX") }
            let s = config.sync.storage
            var configuration: S3Configuration
            do {
                configuration = try S3Configuration(
                    settings: S3Settings(
                        provider: s.provider.rawValue, bucket: bucket, region: s.region, endpoint: s.endpoint, prefix: prefix,
                        accessKeyID: s.awsAccessKeyID, secretAccessKey: s.awsSecretAccessKey,
                        gcsServiceAccountPath: s.gcsServiceAccountPath),
                    anonymousAllowed: true)
            } catch {
                throw CLIError("\(option) \(url): \(error.message) (keys OPENSENSOR_STORAGE_*, OPENSENSOR_AWS_*)")
            }
            configuration.maxConnections = RemoteLake.requestsAtOnce
            store = S3ObjectStore(configuration: configuration)
            self.prefix = configuration.prefix
            root = "s3://\(bucket)"
            location = root + (configuration.prefix.isEmpty ? "" : "/" + configuration.prefix)
        }

        /// The bucket's objects under the prefix, keyed as at a lake's root.
        var lake: PrefixedObjectStore { PrefixedObjectStore(store, prefix: prefix) }
        /// The objects under `<prefix>-daily`, where the day files of this lake go, keyed alike.
        var daily: PrefixedObjectStore { PrefixedObjectStore(store, prefix: ObjectPath.dailyPrefix(of: prefix)) }
        /// `s3://bucket/<prefix>-daily`.
        var dailyLocation: String { root + "/" + ObjectPath.dailyPrefix(of: prefix) }
    }

    /// What the question cost, the day files' lake included: `listings, object requests
    /// (bytes), objects from the cache`.
    var summary: String {
        let c = source.counts + daily.counts
        return "\(source.location): \(c.listings) listings, \(c.objectRequests) object requests (\(c.bytesFetched) bytes), \(c.cacheHits) objects from the cache"
    }
}
