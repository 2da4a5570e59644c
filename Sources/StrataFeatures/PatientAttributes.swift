import StrataData

/// One declared patient attribute: an extra column of `patients.csv` (canonical) or of the mapped patients
/// file, read by kind. Attributes are the export's values as given (not as of a date): an insurance plan, a
/// neighbourhood, a chronic-condition flag. They become features, rule fields and model inputs.
///
///     attributes:
///       insurance: {type: category, max_categories: 5}
///       neighbourhood: {type: category, column: area}   # the file's header name, when it differs
///       chronic_condition: {type: flag}
///       household_size: {type: number, missing: median}
///
/// Features (family `attributes`; see `docs/feature-spec.md`):
/// - `category`: one 0/1 column `attribute.<name>.<value>` per value among the `max_categories` (default 10)
///   most common that at least ``StrataLimits/minimumPatientsPerCategory`` patients have, then
///   `attribute.<name>.other` when other values occur; an empty field is 0 in every column;
/// - `number`: `attribute.<name>`, the value (missing when empty, filled by `missing`, default `median`);
/// - `flag`: `attribute.<name>`, 1 for yes, 0 for no (empty: `missing`, default `zero`).
public struct PatientAttribute: Codable, Sendable, Equatable {
    /// How the attribute's values are read and become features.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case category, number, flag

        var extraKind: ExtraColumnKind {
            switch self {
            case .category: .text
            case .number: .number
            case .flag: .flag
            }
        }
    }

    /// The attribute's name: the rule field and part of its feature columns' names.
    public var name: String
    /// The header name in the patients file.
    public var column: String
    public var kind: Kind
    /// `category` only: the most common values that get a column each.
    public var maxCategories: Int
    /// `number` and `flag`: what an empty field becomes.
    public var missing: MissingPolicy

    public init(name: String, column: String? = nil, kind: Kind, maxCategories: Int = 10, missing: MissingPolicy? = nil) {
        self.name = name
        self.column = column ?? name
        self.kind = kind
        self.maxCategories = maxCategories
        self.missing = missing ?? (kind == .flag ? .zero : .median)
    }

    /// The extra column the readers keep it in, under the attribute's name.
    public var extraColumn: ExtraColumn { ExtraColumn(name, column: column, kind.extraKind) }

    /// Names an attribute may not take: the canonical patient columns and the rule fields every project has.
    public static let reservedNames: Set<String> = Set(CanonicalTable.patients.columns.map(\.name)).union([
        "age", "completed_visits", "first_visit", "last_visit", "next_appointment", "services", "conditions",
        "lead_source", "lead_interest", "lead_channel", "cluster", "as_of",
    ])

    enum CodingKeys: String, CodingKey, CaseIterable {
        case type, column
        case maxCategories = "max_categories"
        case missing
    }

    /// Decodes one entry of `attributes`; the name is the entry's key (the last element of the coding path).
    public init(from decoder: Decoder) throws {
        try UnknownKeys.check(decoder, allowed: CodingKeys.allCases.map(\.rawValue))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let name = decoder.codingPath.last?.stringValue ?? ""
        let kind = try c.decode(Kind.self, forKey: .type)
        let maxCategories = try c.decodeIfPresent(Int.self, forKey: .maxCategories)
        let missing = try c.decodeIfPresent(MissingPolicy.self, forKey: .missing)
        self.init(name: name, column: try c.decodeIfPresent(String.self, forKey: .column), kind: kind,
                  maxCategories: maxCategories ?? 10, missing: missing)
        func fail(_ key: CodingKey?, _ message: String) -> DecodingError {
            DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath + (key.map { [$0] } ?? []), debugDescription: message))
        }
        guard Self.isPlainName(name) else {
            throw fail(nil, "\"\(name)\" cannot name an attribute; expected lower-case letters, digits and _, starting with a letter")
        }
        guard !Self.reservedNames.contains(name) else {
            throw fail(nil, "\"\(name)\" is already a patient column or rule field; give the attribute another name "
                + "(and `column: \(name)` to read that column)")
        }
        guard !column.isEmpty else { throw fail(CodingKeys.column, "empty; expected the column's header name") }
        if let maxCategories {
            guard kind == .category else { throw fail(CodingKeys.maxCategories, "applies to category attributes only, not \(kind.rawValue)") }
            guard StrataLimits.categories.contains(maxCategories) else {
                throw fail(CodingKeys.maxCategories, "\(maxCategories) is out of range; expected a whole number from "
                    + "\(StrataLimits.categories.lowerBound) to \(StrataLimits.categories.upperBound)")
            }
        }
        if let missing {
            guard kind != .category else {
                throw fail(CodingKeys.missing, "applies to number and flag attributes; an empty category is 0 in every one-hot column")
            }
            if case .constant(let value) = missing, !StrataLimits.isSensible(value) {
                throw fail(CodingKeys.missing, "\(value) is not a usable fill value; expected a finite number of magnitude at most 1e15")
            }
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(kind, forKey: .type)
        if column != name { try c.encode(column, forKey: .column) }
        if kind == .category { try c.encode(maxCategories, forKey: .maxCategories) } else { try c.encode(missing, forKey: .missing) }
    }

    static func isPlainName(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    /// The `attributes` section: entries by name, in name order.
    static func decodeSection(_ decoder: Decoder) throws -> [PatientAttribute] {
        let c = try decoder.container(keyedBy: UnknownKeys.AnyKey.self)
        return try c.allKeys.sorted { $0.stringValue < $1.stringValue }.map { key in
            try c.decode(PatientAttribute.self, forKey: key)
        }
    }
}

/// The `attributes` section as a value of its own, so it decodes with the entries' names.
struct AttributeSection: Codable, Sendable, Equatable {
    var attributes: [PatientAttribute]

    init(attributes: [PatientAttribute]) { self.attributes = attributes }

    init(from decoder: Decoder) throws { attributes = try PatientAttribute.decodeSection(decoder) }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: UnknownKeys.AnyKey.self)
        for attribute in attributes { try c.encode(attribute, forKey: .init(stringValue: attribute.name)) }
    }
}

extension FeaturePipeline {
    /// The feature columns of the declared attributes: see ``PatientAttribute``.
    static func attributeColumns(_ export: ClinicExport, attributes: [PatientAttribute]) throws(FeatureSpecError) -> [FeatureSchema.Column] {
        var columns: [FeatureSchema.Column] = []
        for attribute in attributes {
            guard let values = export.patients.extra[attribute.name] else {
                throw FeatureSpecError(message: "attribute \(attribute.name): the export was read without its column "
                    + "\(attribute.column) (Synthea exports carry no attributes)")
            }
            let prefix = "attribute.\(attribute.name)"
            switch (attribute.kind, values) {
            case (.category, .text(let column)):
                var counts = [Int](repeating: 0, count: column.levels.count)
                var people = DistinctPeopleCounter(levels: counts.count)
                for (patient, code) in column.codes.enumerated() where code >= 0 {
                    counts[Int(code)] += 1
                    people.add(level: Int(code), person: patient)
                }
                for (level, name, isOther) in topCategories(column.levels, counts: counts, people: people, cap: attribute.maxCategories) {
                    columns.append(FeatureSchema.Column(name: "\(prefix).\(name)", family: "attributes",
                                                        label: isOther ? "\(attribute.name): other" : "\(attribute.name): \(level)",
                                                        levels: isOther ? nil : [level], parameters: nil))
                }
            case (.number, .number):
                columns.append(FeatureSchema.Column(name: prefix, family: "attributes", label: attribute.name.replacingOccurrences(of: "_", with: " "),
                                                    missing: attribute.missing.description))
            case (.flag, .flag):
                columns.append(FeatureSchema.Column(name: prefix, family: "attributes", label: attribute.name.replacingOccurrences(of: "_", with: " "),
                                                    missing: attribute.missing.description, levels: ["yes"]))
            default:
                throw FeatureSpecError(message: "attribute \(attribute.name): read as \(values.kind.rawValue), declared \(attribute.kind.rawValue)")
            }
        }
        return columns
    }
}

/// An attribute feature's definition, recovered from its schema column (see ``FeatureDefinition``).
extension FeatureDefinition {
    /// `attribute.<name>` (number; flag with levels `["yes"]`) or `attribute.<name>.<value>` (category).
    static func attributeDefinition(of column: FeatureSchema.Column, in columns: [FeatureSchema.Column]) throws(FeatureDefinitionError) -> FeatureDefinition {
        let parts = column.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.first == "attribute", parts.count == 2 || parts.count == 3, PatientAttribute.isPlainName(parts[1]) else {
            throw FeatureDefinitionError(column: column.name, problem: "expected attribute.<name> or attribute.<name>.<value>")
        }
        let name = parts[1]
        if parts.count == 2 {
            return column.levels == ["yes"] ? .attributeFlag(name) : .attributeNumber(name)
        }
        let prefix = "attribute.\(name)."
        let named = columns.filter { $0.name.hasPrefix(prefix) && $0.family == "attributes" }.compactMap { $0.levels?.first }
        return .attributeCategory(name, level: column.levels?.first, named: named)
    }
}
