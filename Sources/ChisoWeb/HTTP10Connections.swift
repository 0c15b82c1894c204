import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// HTTP/1.0 answered as HTTP/1.0, and closed after the answer unless the client asked for
/// keep-alive (RFC 9112 §9.3). Hummingbird works on version-less HTTP types, so without this an
/// HTTP/1.0 client got an HTTP/1.1 answer on a connection held open until the idle timeout.
///
/// Add `HTTP10Connections.installer()` to the HTTP/1 channel's additional handlers: it places the
/// version handler just before the HTTP-types codec, where requests and responses still carry
/// their version, and removes itself.
public enum HTTP10Connections {
    public static func installer() -> any RemovableChannelHandler { Installer() }

    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny

        func handlerAdded(context: ChannelHandlerContext) {
            let pipeline = context.pipeline.syncOperations
            if let codec = try? pipeline.context(handlerType: HTTP1ToHTTPServerCodec.self) {
                try? pipeline.addHandler(VersionHandler(), position: .before(codec.handler))
            }
            _ = try? pipeline.removeHandler(context: context)
        }
    }

    /// Remembers each request's version and keep-alive wish, and answers in kind.
    final class VersionHandler: ChannelDuplexHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias InboundOut = HTTPServerRequestPart
        typealias OutboundIn = HTTPServerResponsePart
        typealias OutboundOut = HTTPServerResponsePart

        /// The versions of the requests not yet answered, oldest first.
        private var pending: [(version: HTTPVersion, keepAlive: Bool)] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) {
                pending.append((head.version, head.isKeepAlive))
            }
            context.fireChannelRead(data)
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            let part = unwrapOutboundIn(data)
            guard let request = pending.first, request.version.major == 1, request.version.minor == 0 else {
                if case .end = part, !pending.isEmpty { pending.removeFirst() }
                context.write(data, promise: promise)
                return
            }
            switch part {
            case .head(var head):
                head.version = request.version
                head.headers.replaceOrAdd(name: "connection", value: request.keepAlive ? "keep-alive" : "close")
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            case .body:
                context.write(data, promise: promise)
            case .end:
                pending.removeFirst()
                if request.keepAlive {
                    context.write(data, promise: promise)
                } else {
                    context.writeAndFlush(data).whenComplete { _ in context.close(promise: nil) }
                    promise?.succeed()
                }
            }
        }
    }
}
