/// What can go wrong between chiso and its database, with enough context to act on.
public enum StorageError: Error, CustomStringConvertible, Sendable {
    /// The schema name is not a plain identifier (it is written into DDL, so it is checked, never quoted blindly).
    case invalidSchemaName(String)
    /// A migration already applied has been edited since: the database and the repo disagree.
    case migrationChanged(version: Int, name: String)
    /// A migration failed; nothing of it was kept.
    case migrationFailed(version: Int, name: String, statement: Int, reason: String)
    /// A row came back in a shape the contract does not allow.
    case unexpectedValue(table: String, column: String, value: String)
    /// The schema has not been migrated.
    case notMigrated(schema: String)
    /// The schema was migrated by a newer chiso (a rollback to an older binary).
    case schemaNewer(schema: String, found: Int, known: Int)
    /// No connection could be had within the connect timeout (the server is down, unreachable, or refuses the login).
    case noConnection(within: Duration)
    /// libpq could not connect (its own words), and no pool runs yet: said at once, not after a wait.
    case unreachable(cause: String)
    /// A leader-only write by an instance that no longer holds the lease (term `term`): refused.
    case notLeader(term: Int64?)

    public var description: String {
        switch self {
        case .invalidSchemaName(let name):
            "schema: '\(name)' is not a valid schema name (use lower-case letters, digits and underscores, starting with a letter)"
        case .migrationChanged(let version, let name):
            "migration V\(version) \(name) was changed after it was applied; restore it and add a new migration instead"
        case .migrationFailed(let version, let name, let statement, let reason):
            "migration V\(version) \(name) failed at statement \(statement): \(reason)"
        case .unexpectedValue(let table, let column, let value):
            "\(table).\(column): unexpected value '\(value)'"
        case .notMigrated(let schema):
            "schema \(schema) has no chiso tables; run `chiso migrate` first"
        case .schemaNewer(let schema, let found, let known):
            "schema \(schema) is at migration V\(found), newer than this chiso knows (up to V\(known)): run the chiso that migrated it, "
                + "or restore the backup taken before the upgrade (docs/operations.md, \"Upgrade and rollback\")"
        case .noConnection(let timeout):
            "database: no connection within \(timeout.components.seconds) s (connect_timeout)"
        case .unreachable(let cause):
            "no connection to the database: \(cause)"
        case .notLeader(let term):
            "not written: this instance does not hold the leader lease\(term.map { " (its term \($0) has ended)" } ?? "")"
        }
    }
}

/// A schema name safe to write into DDL and `search_path`.
public struct SchemaName: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init(_ name: String) throws(StorageError) {
        guard (try? /^[a-z_][a-z0-9_]{0,62}$/.wholeMatch(in: name)) != nil, !name.hasPrefix("pg_") else {
            throw .invalidSchemaName(name)
        }
        rawValue = name
    }

    public var description: String { rawValue }
}
