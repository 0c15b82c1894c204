import Foundation

/// Splits a migration file into single statements (PostgreSQL's extended protocol, which
/// PostgresNIO speaks, takes one statement per query).
///
/// Knows enough SQL lexing for our migrations: `;` inside '…', "…", $tag$…$tag$ bodies,
/// -- line comments and /* */ comments does not end a statement.
public enum SQLScript {
    public static func statements(_ script: String) -> [String] {
        var statements: [String] = []
        var current = ""
        let chars = Array(script.unicodeScalars)
        var i = 0
        func flush() {
            let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty, !isOnlyComments(trimmed) { statements.append(trimmed) }
            current = ""
        }
        while i < chars.count {
            let c = chars[i]
            let next: Unicode.Scalar? = i + 1 < chars.count ? chars[i + 1] : nil
            if c == "-", next == "-" {
                while i < chars.count, chars[i] != "\n" { current.unicodeScalars.append(chars[i]); i += 1 }
                continue
            }
            if c == "/", next == "*" {
                while i < chars.count {
                    current.unicodeScalars.append(chars[i])
                    if chars[i] == "*", i + 1 < chars.count, chars[i + 1] == "/" {
                        current.unicodeScalars.append(chars[i + 1]); i += 2; break
                    }
                    i += 1
                }
                continue
            }
            if c == "'" || c == "\"" {
                current.unicodeScalars.append(c); i += 1
                while i < chars.count {
                    current.unicodeScalars.append(chars[i])
                    if chars[i] == c {
                        if i + 1 < chars.count, chars[i + 1] == c { current.unicodeScalars.append(chars[i + 1]); i += 2; continue }
                        i += 1; break
                    }
                    i += 1
                }
                continue
            }
            if c == "$", let tag = dollarTag(chars, at: i) {
                current += tag; i += tag.unicodeScalars.count
                let closing = Array(tag.unicodeScalars)
                while i < chars.count {
                    if chars[i] == "$", i + closing.count <= chars.count, Array(chars[i..<(i + closing.count)]) == closing {
                        current += tag; i += closing.count; break
                    }
                    current.unicodeScalars.append(chars[i]); i += 1
                }
                continue
            }
            if c == ";" { flush(); i += 1; continue }
            current.unicodeScalars.append(c); i += 1
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `index`, if any.
    private static func dollarTag(_ chars: [Unicode.Scalar], at index: Int) -> String? {
        var j = index + 1
        while j < chars.count, chars[j] == "_" || chars[j].properties.isAlphabetic || (j > index + 1 && ("0"..."9").contains(chars[j])) {
            j += 1
        }
        guard j < chars.count, chars[j] == "$" else { return nil }
        var tag = ""
        tag.unicodeScalars.append(contentsOf: chars[index...j])
        return tag
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(separator: "\n").allSatisfy {
            $0.trimmingCharacters(in: .whitespaces).hasPrefix("--") || $0.trimmingCharacters(in: .whitespaces).isEmpty
        }
    }
}
