import Configuration
import Foundation

/// The config file, read and parsed once: its keys (for the unknown-key check) and its values as
/// text (for the file layer).
struct ConfigFile {
    let keys: [String]
    let values: [AbsoluteConfigKey: ConfigValue]

    /// Objects allowed at the top level, with what one looks like (for the error).
    static let objects = ["database": #"{"url": "postgres://…"}"#, "alerts": #"{"command": "/usr/sbin/sendmail -t -i"}"#]

    init(path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(setting: path, problem: "cannot be read")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw ConfigurationError(setting: path, problem: "is not valid JSON")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ConfigurationError(setting: path, problem: "must hold a JSON object")
        }
        var keys: [String] = [], values: [AbsoluteConfigKey: ConfigValue] = [:]
        for key in dictionary.keys.sorted() {
            let value = dictionary[key]!
            if let example = Self.objects[key] {
                guard let inner = value as? [String: Any] else {
                    throw ConfigurationError(setting: "\(path): \(key)", problem: "must be an object like \(example)")
                }
                for innerKey in inner.keys.sorted() {
                    keys.append("\(key).\(innerKey)")
                    if let text = Self.text(inner[innerKey]!, key: "\(key).\(innerKey)") {
                        values[AbsoluteConfigKey(stringLiteral: "\(key).\(innerKey)")] = text
                    }
                }
            } else {
                keys.append(key)
                if let text = Self.text(value, key: key) { values[AbsoluteConfigKey(stringLiteral: key)] = text }
            }
        }
        self.keys = keys
        self.values = values
    }

    /// A JSON value as the text a part parses: `30`, `2.5`, `true`, `"a,b"` for a list.
    static func text(_ value: Any, key: String) -> ConfigValue? {
        let text: String
        switch value {
        case let string as String: text = string
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" {
                text = number.boolValue ? "true" : "false"
            } else {
                let double = number.doubleValue
                text = double == double.rounded() && abs(double) < 1e15 ? String(Int64(double)) : String(double)
            }
        case let list as [Any]: text = list.map { "\($0)" }.joined(separator: ",")
        default: return nil
        }
        return ConfigValue(.string(text), isSecret: SettingsReader.isSecret(key))
    }
}
