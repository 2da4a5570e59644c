import StrataData
import StrataLinearAlgebra

/// A feature matrix with one row per lead (inquiry), the lead ids beside it.
public struct LeadFeatureTable: Sendable {
    /// Lead ids, in row order.
    public var leadIDs: [String]
    public var matrix: Matrix<Double>
    public var schema: FeatureSchema
}

/// Feature vectors for leads, for conversion scores: what is known of a lead when it is created.
///
/// Its source and its interest, one-hot over the most frequent categories of the training leads (at most
/// `features.leads.max_categories` each, among the values at least ``StrataLimits/minimumPatientsPerCategory``
/// people have, then `other`), standardized. Nothing else is known of every lead:
/// leads that never become patients have no birth date, no visits and no messages in an export, and the
/// link to a patient is the outcome itself, never a feature.
///
/// The schema uses the column names of the patient-level lead family (`lead_source.<level>`,
/// `lead_interest.<level>`), so explanations read the same in both.
public enum LeadFeatures {
    /// Plans the columns on the leads `rows` (indices into `export.leads`), computes them and fits the
    /// standardization on those rows.
    public static func fit(_ export: ClinicExport, rows: [Int], spec: FeatureSpec = .default) -> LeadFeatureTable {
        let cap = spec.leads.parameters?.maxCategories ?? CategoryParameters().maxCategories
        let leads = export.leads
        var columns = FeaturePipeline.leadColumns(leads, rows: rows, cap: cap)
        var values = indicators(export, rows: rows, columns: columns)
        let (centers, scales) = FeaturePipeline.standardization(values, workers: 1)
        for index in columns.indices {
            columns[index].center = centers[index]
            columns[index].scale = scales[index]
        }
        FeaturePipeline.standardize(&values, columns: columns, workers: 1)
        return LeadFeatureTable(leadIDs: rows.map { leads.ids[$0] ?? "" }, matrix: values, schema: FeatureSchema(columns: columns))
    }

    /// The columns of a fitted lead schema for the leads `rows` (scoring).
    /// - Throws: when a column is not a lead column (e.g. a patient-level model's schema).
    public static func apply(_ schema: FeatureSchema, to export: ClinicExport, rows: [Int]) throws(FeatureDefinitionError) -> LeadFeatureTable {
        for column in schema.columns where !(column.name.hasPrefix("lead_source.") || column.name.hasPrefix("lead_interest.")) {
            throw FeatureDefinitionError(column: column.name, problem: "not a lead feature (a conversion model has only lead_source.* and lead_interest.* columns)")
        }
        var values = indicators(export, rows: rows, columns: schema.columns)
        FeaturePipeline.standardize(&values, columns: schema.columns, workers: 1)
        return LeadFeatureTable(leadIDs: rows.map { export.leads.ids[$0] ?? "" }, matrix: values, schema: schema)
    }

    /// 0/1 per lead and column: the lead's value is one of the column's levels, or, for an `other` column,
    /// present and not among its family's named levels. A lead without a value is 0 everywhere.
    static func indicators(_ export: ClinicExport, rows: [Int], columns: [FeatureSchema.Column]) -> Matrix<Double> {
        let leads = export.leads
        // Per column: which codes of its category column count as 1.
        let flags: [(codes: [Int32], counts: [Bool])] = columns.map { column in
            let isSource = column.name.hasPrefix("lead_source.")
            let category = isSource ? leads.source : leads.interest
            let family = isSource ? "lead_source." : "lead_interest."
            let wanted: Set<String>
            let counts: [Bool]
            if let levels = column.levels {
                wanted = Set(levels)
                counts = category.levels.map { wanted.contains($0) }
            } else {
                let named = Set(columns.filter { $0.name.hasPrefix(family) }.flatMap { $0.levels ?? [] })
                counts = category.levels.map { !named.contains($0) }
            }
            return (category.codes, counts)
        }
        var elements = [Double](repeating: 0, count: rows.count * columns.count)
        for (position, row) in rows.enumerated() {
            for (index, flag) in flags.enumerated() {
                let code = flag.codes[row]
                if code >= 0 && flag.counts[Int(code)] { elements[position * columns.count + index] = 1 }
            }
        }
        return Matrix(rows: rows.count, columns: columns.count, elements: elements)
    }
}
