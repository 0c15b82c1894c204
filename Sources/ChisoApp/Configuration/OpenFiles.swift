#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-files limit. Debian's default soft limit is 1 024 while the hard one is far
/// higher (systemd's default 524 288, or the unit's `LimitNOFILE`); servers raise the soft limit
/// to the hard one at start, as chiso does, so that `max_connections` has room.
enum OpenFiles {
    /// Raises the soft limit to the hard one (bounded) and returns the soft limit in force.
    static func raiseSoftLimit(upTo ceiling: rlim_t = 1 << 20) -> Int {
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
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
