-- Replicas with one leader (issue 10, part 3). The single row is the lease: who holds it, the
-- term (raised whenever the holder changes, so a paused leader that lost the lease cannot write:
-- every leader-only write checks holder and term in its own transaction), and when it expires,
-- by the database's clock (the replicas' clocks are never compared).
CREATE TABLE chiso_leader (
    id          int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    holder      text NOT NULL,
    term        bigint NOT NULL CHECK (term > 0),
    expires_at  timestamptz NOT NULL,
    acquired_at timestamptz NOT NULL
);
