import AWSSigV4
import Foundation
import HTTP1Client
import ObjectStore
import S3ObjectStore
import Synchronization

/// A transport that answers from a script and records every request.
final class ScriptedTransport: S3Transport {
    typealias Handler = @Sendable (HTTP1Request, Int) async throws -> HTTP1Response
    let handler: Handler
    let log = Mutex<[HTTP1Request]>([])

    init(_ handler: @escaping Handler) { self.handler = handler }

    func send(_ request: HTTP1Request, maxBodyBytes: Int) async throws -> HTTP1Response {
        let index = log.withLock {
            $0.append(request)
            return $0.count - 1
        }
        return try await handler(request, index)
    }

    func shutdown() async throws {}

    var requests: [HTTP1Request] { log.withLock { $0 } }
}

/// A clock whose sleeps return at once.
final class InstantClock: RetryClock {
    let state = Mutex<(Duration, [Duration])>((.zero, []))
    func now() -> Duration { state.withLock { $0.0 } }
    func sleep(for duration: Duration) async throws {
        state.withLock {
            $0.0 += duration
            $0.1.append(duration)
        }
    }
    var sleeps: [Duration] { state.withLock { $0.1 } }
}

struct FixedRandom: RandomSource {
    func nextUnit() -> Double { 0.5 }
}

let testCredentials = AWSCredentials(accessKeyID: "AKIDTEST", secretAccessKey: "SECRET-never-print-me")

func testConfiguration(
    addressing: S3Addressing = .pathStyle, endpoint: String = "http://127.0.0.1:9000"
) -> S3Configuration {
    var configuration = S3Configuration(
        provider: .minio, endpoint: try! S3Endpoint(parsing: endpoint), addressing: addressing, region: "us-east-1",
        bucket: "lake", credentials: testCredentials)
    configuration.retry = RetryConfig(maxRetries: 3)
    return configuration
}

func makeStore(
    _ configuration: S3Configuration = testConfiguration(), clock: InstantClock = InstantClock(),
    _ handler: @escaping ScriptedTransport.Handler
) -> (S3ObjectStore, ScriptedTransport) {
    let transport = ScriptedTransport(handler)
    let store = S3ObjectStore(
        configuration: configuration, transport: transport, clock: clock, random: FixedRandom(),
        now: { Date(timeIntervalSince1970: 1_369_353_600) })
    return (store, transport)
}

func xmlError(_ code: String, _ message: String = "msg") -> [UInt8] {
    Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>\(code)</Code><Message>\(message)</Message><RequestId>req-1</RequestId></Error>".utf8)
}

