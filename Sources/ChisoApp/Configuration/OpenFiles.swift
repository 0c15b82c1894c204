#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-files limit. Debian's default soft limit is 1 024 while the hard one is far
/// higher (systemd's default 524 288, or the unit's `LimitNOFILE`); servers raise the soft limit
/// to the hard one at start, as chiso does, so that `max_connections` has room.
enum OpenFiles {
    #if os(Linux)
    static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    static let resource = RLIMIT_NOFILE
    #endif

    /// The soft limit `raiseSoftLimit` would reach (read only: reading the settings changes nothing).
    static func attainableLimit(upTo ceiling: rlim_t = 1 << 20) -> Int {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else { return 1024 }
        return Int(clamping: max(limits.rlim_cur, min(limits.rlim_max, ceiling)))
    }

    /// Raises the soft limit to the hard one (bounded) and returns the soft limit in force.
    @discardableResult
    static func raiseSoftLimit(upTo ceiling: rlim_t = 1 << 20) -> Int {
        var limits = rlimit()
        guard getrlimit(resource, &limits) == 0 else { return 1024 }
        let wanted = min(limits.rlim_max, ceiling)
        if limits.rlim_cur < wanted {
            var raised = limits
            raised.rlim_cur = wanted
            if setrlimit(resource, &raised) == 0 { limits = raised }
        }
        return Int(clamping: limits.rlim_cur)
    }
}
