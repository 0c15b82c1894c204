import AsyncHTTPClient
import ChisoCore
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Where a digest is delivered: the mail command (`SendmailHook`), the webhook (`WebhookHook`), or a fake in tests.
public protocol DeliveryHook: Sendable {
    /// Returns when the hook accepted the digest; throws `DeliveryFailure` otherwise.
    func send(_ mail: ComposedMail) async throws
}

/// Why a hook did not take a digest. The description is recorded in the outbox and shown on the
/// public page, so it never holds the webhook's address (which may carry a token) or the message.
public enum DeliveryFailure: Error, CustomStringConvertible, Equatable {
    /// The mail command overran its timeout and was stopped (with its process group).
    case timedOut(command: String, limit: Duration)
    case couldNotRun(command: String, reason: String)
    /// Exited non-zero; `detail` is the first line of its standard error.
    case exited(command: String, status: Int32, detail: String?)
    case killed(command: String, signal: Int32)
    /// The message could not be handed over (the temporary file of its standard input).
    case temporaryFile(reason: String)
    case webhookUnreachable(reason: String)
    case webhookRefused(status: UInt)

    public var description: String {
        switch self {
        case .timedOut(let command, let limit): "\(command) did not finish within \(limit.components.seconds) s; stopped"
        case .couldNotRun(let command, let reason): "\(command) could not be run: \(reason)"
        case .exited(let command, let status, let detail): "\(command) exited with status \(status)\(detail.map { ": \($0)" } ?? "")"
        case .killed(let command, let signal): "\(command) was killed by signal \(signal)"
        case .temporaryFile(let reason): "cannot hand the message to the mail command: \(reason)"
        case .webhookUnreachable(let reason): "webhook: \(reason)"
        case .webhookRefused(let status): "webhook answered \(status)"
        }
    }
}

/// Splits a command line once, at configuration time, into argv: words separated by spaces,
/// with '…' and "…" quoting and \ escapes. No shell is ever run, so nothing is expanded.
public enum CommandWords {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func split(_ text: String) throws -> [String] {
        var words: [String] = [], current = "", inWord = false
        var quote: Character?
        var escaping = false
        for character in text {
            if escaping {
                current.append(character)
                escaping = false
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else if character == "\\" && open == "\"" { escaping = true } else { current.append(character) }
            } else if character == "\\" {
                escaping = true
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if quote != nil { throw Invalid(description: "unterminated quote") }
        if escaping { throw Invalid(description: "ends with a lone backslash") }
        if inWord { words.append(current) }
        if words.isEmpty { throw Invalid(description: "is empty") }
        return words
    }
}

/// A sendmail-compatible command (`/usr/sbin/sendmail -t -i`, `msmtp -t`, …): the message goes to
/// its standard input; exit status 0 means accepted. Run without a shell, in its own process
/// group, killed (group and all) when it overruns the timeout.
public struct SendmailHook: DeliveryHook {
    public let argv: [String]
    public let timeout: Duration

    public init(argv: [String], timeout: Duration) {
        precondition(!argv.isEmpty)
        self.argv = argv
        self.timeout = timeout
    }

    public func send(_ mail: ComposedMail) async throws {
        let executable: Executable = argv[0].contains("/") ? .path(FilePath(argv[0])) : .name(argv[0])
        var options = PlatformOptions()
        options.processGroupID = 0  // its own group, so a timeout also stops what it started
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .seconds(2))]
        // The message reaches the command's standard input from an unlinked temporary file, not a
        // pipe: a command that exits without reading (a refusing relay) must not make chiso write
        // into a closed pipe (swift-subprocess 1.0.2 stops the process with a fatal error then).
        let input = try Self.unlinkedFile(holding: Array(mail.message.utf8))
        let arguments = Arguments(Array(argv.dropFirst()))
        let limit = timeout
        let platformOptions = options
        let outcome: Result<ExecutionResult<Void, DiscardedOutput, StringOutput<UTF8>>, any Error>? = await withTaskGroup(
            of: Result<ExecutionResult<Void, DiscardedOutput, StringOutput<UTF8>>, any Error>?.self
        ) { group in
            group.addTask {
                do {
                    return .success(
                        try await run(
                            executable, arguments: arguments, platformOptions: platformOptions,
                            input: .fileDescriptor(input, closeAfterSpawningProcess: true), output: .discarded, error: .string(limit: 4096)))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil  // the timeout won
            }
            let first = await group.next()!
            group.cancelAll()
            return first
        }
        guard let outcome else {
            throw DeliveryFailure.timedOut(command: argv[0], limit: limit)
        }
        let result: ExecutionResult<Void, DiscardedOutput, StringOutput<UTF8>>
        switch outcome {
        case .success(let value): result = value
        case .failure(let error): throw DeliveryFailure.couldNotRun(command: argv[0], reason: "\(error)")
        }
        switch result.terminationStatus {
        case .exited(0):
            return
        case .exited(let code):
            let detail = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").first.map(String.init)
            throw DeliveryFailure.exited(command: argv[0], status: code, detail: detail)
        case .signaled(let signal):
            throw DeliveryFailure.killed(command: argv[0], signal: signal)
        }
    }
}

extension SendmailHook {
    /// A file descriptor positioned at the start of `bytes`, whose file has no name any more.
    static func unlinkedFile(holding bytes: [UInt8]) throws -> SystemPackage.FileDescriptor {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chiso-mail-\(UUID().uuidString).eml").path
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DeliveryFailure.temporaryFile(reason: String(cString: strerror(errno))) }
        unlink(path)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written > 0 else {
                close(fd)
                throw DeliveryFailure.temporaryFile(reason: String(cString: strerror(errno)))
            }
            offset += written
        }
        lseek(fd, 0, SEEK_SET)
        return SystemPackage.FileDescriptor(rawValue: fd)
    }
}

/// The optional webhook: the digest's JSON POSTed with an `Idempotency-Key` (the Message-ID, the
/// same on every retry) and, with a secret, `X-Chiso-Signature: sha256=<hex HMAC-SHA256 of the body>`.
public struct WebhookHook: DeliveryHook {
    public let url: String
    public let secret: String?
    public let timeout: Duration
    public let client: HTTPClient

    public init(url: String, secret: String?, timeout: Duration, client: HTTPClient = .shared) {
        self.url = url
        self.secret = secret
        self.timeout = timeout
        self.client = client
    }

    public static func signature(_ body: String, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    public func send(_ mail: ComposedMail) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "chiso")
        request.headers.add(name: "Idempotency-Key", value: mail.messageID)
        if let secret { request.headers.add(name: "X-Chiso-Signature", value: Self.signature(mail.payload, secret: secret)) }
        request.body = .bytes(ByteBuffer(string: mail.payload))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(Int64(timeout.components.seconds)))
        } catch {
            throw DeliveryFailure.webhookUnreachable(reason: "\(error)")
        }
        _ = try? await response.body.collect(upTo: 64 * 1024)
        guard (200..<300).contains(response.status.code) else {
            throw DeliveryFailure.webhookRefused(status: response.status.code)
        }
    }
}
