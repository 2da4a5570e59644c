import Foundation
import StrataData
import StrataLinearAlgebra

/// A feature matrix: one row per patient, the patient ids beside it (never inside the schema), and the
/// schema describing the columns.
public struct FeatureTable: Sendable {
    /// Patient ids, in row order.
    public var patientIDs: [String]
    public var matrix: Matrix<Double>
    public var schema: FeatureSchema

    public init(patientIDs: [String], matrix: Matrix<Double>, schema: FeatureSchema) {
        self.patientIDs = patientIDs
        self.matrix = matrix
        self.schema = schema
    }
}

/// A `features` section that does not fit the export.
public struct FeatureSpecError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public var description: String { "features: \(message)" }
}

/// Feature vectors from an export: plan the columns from the spec, compute raw values as of T, fill missing
/// values, transform, standardize.
///
/// `fit` learns what depends on the training data (the most frequent categories, fill values, centers and
/// scales) and records it in the schema; `apply` recomputes exactly the schema's columns on another export
/// or date, so training and scoring see the same columns.
public enum FeaturePipeline {
    /// Computes features as of `asOf` and fits the schema on these rows.
    public static func fit(_ export: ClinicExport, asOf: Day, spec: FeatureSpec = .default,
                           workers: Int = Parallel.processorCount) throws -> FeatureTable {
        var columns = try plan(export, asOf: asOf, spec: spec)
        let definitions = try FeatureDefinition.definitions(of: FeatureSchema(columns: columns))
        var values = FeatureExtractor.rawValues(export, asOf: asOf, definitions: definitions, workers: workers)
        // Fill values (medians select within a column) are independent: one task per column that has a policy, so
        // that the few columns with medians (the first ones, in the default spec) are not one worker's share.
        let policies = columns.map { $0.missing.flatMap(MissingPolicy.init(schemaText:)) }
        let filled = columns.indices.filter { policies[$0] != nil }
        let raw = values
        let tasks = workers <= 1 ? 1 : max(1, min(filled.count, 4 * workers))
        let fills = Parallel.map(rangesOf: filled.count, workers: tasks) { range in
            range.map { fillValue(policies[filled[$0]]!, column: filled[$0], of: raw) }
        }.flatMap { $0 }
        for index in columns.indices { columns[index].fill = nil }
        for (index, fill) in zip(filled, fills) { columns[index].fill = fill }
        let transforms = try parsedTransforms(columns)
        transform(&values, columns: columns, transforms: transforms, workers: workers)
        if spec.standardize {
            let (centers, scales) = standardization(values, workers: workers)
            for index in columns.indices {
                columns[index].center = centers[index]
                columns[index].scale = scales[index]
            }
            standardize(&values, columns: columns, workers: workers)
        }
        return FeatureTable(patientIDs: export.patients.ids.all, matrix: values, schema: FeatureSchema(columns: columns))
    }

    /// Computes the columns of a fitted schema as of `asOf` (scoring).
    /// - Parameter rows: the patients to compute, in the order of the table's rows; nil: every patient. Each
    ///   row equals that patient's row of the whole table (the schema's fill values and scales are fixed).
    /// - Throws: ``FeatureSchemaError`` for a schema no fit could have produced (e.g. a `schema.json` edited to
    ///   a scale of 0), ``FeatureDefinitionError``.
    public static func apply(_ schema: FeatureSchema, to export: ClinicExport, asOf: Day, rows: [Int]? = nil,
                             workers: Int = Parallel.processorCount) throws -> FeatureTable {
        try schema.validate()
        let definitions = try FeatureDefinition.definitions(of: schema)
        try checkAttributesRead(definitions, export: export)
        var values = FeatureExtractor.rawValues(export, asOf: asOf, definitions: definitions, rows: rows, workers: workers)
        transform(&values, columns: schema.columns, transforms: try parsedTransforms(schema.columns), workers: workers)
        standardize(&values, columns: schema.columns, workers: workers)
        let ids = export.patients.ids
        return FeatureTable(patientIDs: rows.map { $0.map { ids[$0] } } ?? ids.all, matrix: values, schema: schema)
    }

    /// Throws when a schema column reads an attribute the export was read without (a model trained with an
    /// attribute the project no longer declares).
    static func checkAttributesRead(_ definitions: [FeatureDefinition], export: ClinicExport) throws(FeatureSpecError) {
        for definition in definitions {
            switch definition {
            case .attributeCategory(let name, _, _), .attributeNumber(let name), .attributeFlag(let name):
                guard export.patients.extra[name] == nil else { continue }
                throw FeatureSpecError(message: "the model reads the attribute \(name), which the export was read without; "
                    + "declare it under `attributes` in strata.yml")
            default: continue
            }
        }
    }

    // MARK: Planning

    /// The columns the spec asks for on this export, before fitting (no fill values or scaling yet).
    /// Categories are chosen from events at or before T, most frequent first (ties by name), among those at
    /// least ``StrataLimits/minimumPatientsPerCategory`` patients have.
    public static func plan(_ export: ClinicExport, asOf: Day, spec: FeatureSpec) throws(FeatureSpecError) -> [FeatureSchema.Column] {
        let cutoff = asOf.endTimestamp
        var columns: [FeatureSchema.Column] = []
        func add(_ name: String, _ family: String, _ label: String, transforms: [String] = [], missing: MissingPolicy? = nil,
                 levels: [String]? = nil, parameters: [String: Double]? = nil) {
            columns.append(FeatureSchema.Column(name: name, family: family, label: label, transforms: transforms,
                                                missing: missing?.description, levels: levels, parameters: parameters))
        }
        if spec.recency.parameters != nil {
            add("days_since_last_visit", "recency", "days since last visit", missing: .max)
        }
        if let frequency = spec.frequency.parameters {
            for window in frequency.windows {
                add("visits_\(window)d", "frequency", "visits in the last \(window) days", transforms: ["log1p"],
                    parameters: ["window_days": Double(window)])
            }
        }
        if spec.monetary.parameters != nil {
            add("total_amount", "monetary", "total spent", transforms: ["log1p"])
            add("mean_amount", "monetary", "mean spent per visit", transforms: ["log1p"], missing: .median)
        }
        if spec.tenure.parameters != nil {
            add("tenure_days", "tenure", "days since becoming a patient", missing: .zero)
        }
        if spec.demographics.parameters != nil {
            add("age_years", "demographics", "age in years", missing: .median)
            // Flags by raw value, not a Set: a million hashes for four values would be most of planning.
            var present = [Bool](repeating: false, count: Sex.allCases.count)
            for sex in export.patients.sex { present[Int(sex.rawValue)] = true }
            for sex in Sex.allCases where present[Int(sex.rawValue)] {
                add("sex.\(sex.name)", "demographics", "sex: \(sex.name)", levels: [sex.name])
            }
        }
        if let intervals = spec.visitIntervals.parameters {
            add("mean_visit_interval_days", "visit_intervals", "usual days between visits", missing: .median)
            add("visit_interval_spread_days", "visit_intervals", "spread of days between visits", missing: .median)
            add("overdue_ratio", "visit_intervals", "days since last visit over usual interval", transforms: ["clip(0,10)"],
                missing: .median)
            for window in intervals.dueWindows {
                add("due_within_\(window)d", "visit_intervals", "next visit due within \(window) days",
                    parameters: ["window_days": Double(window)])
            }
        }
        if let attendance = spec.attendance.parameters {
            var noShow = (weight: attendance.priorWeight, rate: attendance.priorNoShowRate)
            var cancellation = (weight: attendance.priorWeight, rate: attendance.priorCancellationRate)
            if attendance.prior == .population {
                let priors = PopulationPrior.attendance(export, cutoff: cutoff, fallbackWeight: attendance.priorWeight)
                noShow = (priors.noShow.weight, priors.noShow.rate)
                cancellation = (priors.cancellation.weight, priors.cancellation.rate)
            }
            add("no_show_rate", "attendance", "no-show rate",
                parameters: ["prior_weight": noShow.weight, "prior_rate": noShow.rate])
            add("cancellation_rate", "attendance", "cancellation rate",
                parameters: ["prior_weight": cancellation.weight, "prior_rate": cancellation.rate])
        }
        if spec.bookingLeadTime.parameters != nil {
            add("mean_booking_lead_days", "booking_lead_time", "days booked in advance", missing: .median)
        }
        if let services = spec.services.parameters {
            let appointments = export.appointments
            var counts = [Int](repeating: 0, count: appointments.service.levels.count)
            var people = DistinctPeopleCounter(levels: counts.count)
            for row in 0..<appointments.count where appointments.status[row] == .completed && appointments.scheduledAt[row] < cutoff {
                let code = appointments.service.codes[row]
                if code >= 0 {
                    counts[Int(code)] += 1
                    people.add(level: Int(code), person: Int(appointments.patient[row]))
                }
            }
            for (level, name, isOther) in topCategories(appointments.service.levels, counts: counts, people: people,
                                                         cap: services.maxCategories) {
                add("service_count.\(name)", "services", isOther ? "visits for other services" : "visits for \(level)",
                    transforms: ["log1p"], levels: isOther ? nil : [level])
            }
        }
        if let engagement = spec.engagement.parameters {
            var sentOnChannel = [Bool](repeating: false, count: Channel.allCases.count)
            let communications = export.communications
            for row in 0..<communications.count where communications.sentAt[row] < cutoff {
                sentOnChannel[Int(communications.channel[row].rawValue)] = true
            }
            for channel in Channel.allCases where sentOnChannel[Int(channel.rawValue)] {
                for (event, prior) in [("open", engagement.priorOpenRate), ("click", engagement.priorClickRate),
                                       ("response", engagement.priorResponseRate)] {
                    add("\(event)_rate.\(channel.name)", "engagement", "\(event) rate on \(channel.name)",
                        parameters: ["prior_weight": engagement.priorWeight, "prior_rate": prior])
                }
            }
        }
        if spec.contactRecency.parameters != nil {
            add("days_since_last_contact", "contact_recency", "days since last message", missing: .max)
        }
        if let upcoming = spec.upcoming.parameters {
            add("has_upcoming_appointment", "upcoming", "has an upcoming appointment")
            add("days_until_next_appointment", "upcoming", "days until next appointment", missing: .max)
            for window in upcoming.windows {
                add("booked_within_\(window)d", "upcoming", "visit booked in the next \(window) days",
                    parameters: ["window_days": Double(window)])
            }
        }
        if let outreach = spec.outreach.parameters {
            add("outreach_since_last_visit", "outreach", "recall messages since last visit", transforms: ["log1p"],
                levels: outreach.campaigns)
        }
        if let conditions = spec.conditions.parameters {
            for (name, codes) in conditions.codes.sorted(by: { $0.key < $1.key }) {
                add("condition.\(sanitized(name))", "conditions", "has \(name)", levels: codes)
            }
        }
        if let leads = spec.leads.parameters {
            let table = export.leads
            let linked = (0..<table.count).lazy.filter { table.patient[$0] >= 0 && table.createdAt[$0] < cutoff }
            columns += leadColumns(table, rows: linked, cap: leads.maxCategories)
        }
        columns += try attributeColumns(export, attributes: spec.attributes)
        return try applyOverrides(columns, spec: spec)
    }

    /// The lead family's columns, `lead_source.<value>` and `lead_interest.<value>`: the `cap` most frequent
    /// values among the lead `rows` that at least ``StrataLimits/minimumPatientsPerCategory`` people have (a
    /// lead's patient, or the lead itself when it has none), then `other` when other values occur.
    static func leadColumns(_ leads: Leads, rows: some Collection<Int>, cap: Int) -> [FeatureSchema.Column] {
        var columns: [FeatureSchema.Column] = []
        for (family, column, word) in [("lead_source", leads.source, "lead source"), ("lead_interest", leads.interest, "lead interest")] {
            var counts = [Int](repeating: 0, count: column.levels.count)
            var people = DistinctPeopleCounter(levels: counts.count)
            for row in rows where column.codes[row] >= 0 {
                let code = Int(column.codes[row])
                counts[code] += 1
                // Leads without a patient are people of their own, numbered below every patient index.
                people.add(level: code, person: leads.patient[row] >= 0 ? Int(leads.patient[row]) : -1 - row)
            }
            for (level, name, isOther) in topCategories(column.levels, counts: counts, people: people, cap: cap) {
                columns.append(FeatureSchema.Column(name: "\(family).\(name)", family: "leads",
                                                    label: isOther ? "\(word): other" : "\(word): \(level)",
                                                    levels: isOther ? nil : [level]))
            }
        }
        return columns
    }

    /// The `max_categories` most frequent levels (count > 0) among those enough people have (see
    /// ``StrataLimits/minimumPatientsPerCategory``), then `other` when any other level occurs: a rarer level
    /// never becomes a column, so its value never reaches a schema or a model file.
    static func topCategories(_ levels: [String], counts: [Int], people: DistinctPeopleCounter,
                                      cap: Int) -> [(level: String, name: String, isOther: Bool)] {
        let occurring = levels.indices.filter { counts[$0] > 0 }
        let kept = occurring.filter { people.hasEnough($0) }
            .sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : levels[$0] < levels[$1] }
            .prefix(cap)
        var result: [(String, String, Bool)] = []
        var usedNames = Set<String>()
        for index in kept {
            var name = sanitized(levels[index])
            if usedNames.contains(name) || name == "other" { name += "_\(index)" }
            usedNames.insert(name)
            result.append((levels[index], name, false))
        }
        if occurring.count > kept.count { result.append(("other", "other", true)) }
        return result
    }

    /// Counts the distinct people of each category level, up to ``StrataLimits/minimumPatientsPerCategory``:
    /// each level keeps a set of at most that many people, so memory stays small and a level stops hashing
    /// once it has enough.
    struct DistinctPeopleCounter {
        private var people: [Set<Int>]
        private let minimum = StrataLimits.minimumPatientsPerCategory

        init(levels: Int) {
            people = Array(repeating: [], count: levels)
        }

        mutating func add(level: Int, person: Int) {
            if people[level].count < minimum { people[level].insert(person) }
        }

        func hasEnough(_ level: Int) -> Bool { people[level].count >= minimum }
    }

    /// A category value as part of a column name: lower case, runs of other characters as `_`.
    static func sanitized(_ text: String) -> String {
        var result = ""
        var pendingSeparator = false
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                if pendingSeparator && !result.isEmpty { result.append("_") }
                pendingSeparator = false
                result.append(character)
            } else {
                pendingSeparator = true
            }
        }
        return result.isEmpty ? "blank" : result
    }

    private static func applyOverrides(_ planned: [FeatureSchema.Column], spec: FeatureSpec) throws(FeatureSpecError) -> [FeatureSchema.Column] {
        let names = Set(planned.map(\.name))
        if let unknown = spec.columns.keys.sorted().first(where: { !names.contains($0) }) {
            throw FeatureSpecError(message: "columns.\(unknown): no such column on this export; columns are \(planned.map(\.name).joined(separator: ", "))")
        }
        var columns: [FeatureSchema.Column] = []
        for var column in planned {
            let settings = spec.columns[column.name]
            if let transforms = settings?.transforms { column.transforms = transforms.compactMap { ColumnTransform($0)?.description } }
            if let missing = settings?.missing { column.missing = missing.description }
            columns.append(column)
            if settings?.indicator == true {
                columns.append(FeatureSchema.Column(name: column.name + ".missing", family: column.family,
                                                    label: column.label + " is unknown"))
            }
        }
        return columns
    }

    // MARK: Missing values, transforms, standardization

    /// The fill value for a policy, from the column's non-missing values (0 when all are missing).
    static func fillValue(_ policy: MissingPolicy, column: Int, of values: Matrix<Double>) -> Double {
        switch policy {
        case .zero: return 0
        case .constant(let value): return value
        case .mean, .median, .max: break
        }
        var present: [Double] = []
        present.reserveCapacity(values.rows)
        for row in 0..<values.rows {
            let value = values.elements[row * values.columns + column]
            if !value.isNaN { present.append(value) }
        }
        guard !present.isEmpty else { return 0 }
        switch policy {
        case .mean: return present.reduce(0, +) / Double(present.count)
        case .max: return present.max()!
        default:
            let middle = present.count / 2
            let upper = OrderStatistics.select(&present, rank: middle)
            guard present.count % 2 == 0 else { return upper }
            // After selection everything before `middle` is at most `upper`: the lower middle is their maximum.
            return (present[..<middle].max()! + upper) / 2
        }
    }

    private static func parsedTransforms(_ columns: [FeatureSchema.Column]) throws(FeatureDefinitionError) -> [[ColumnTransform]] {
        var result: [[ColumnTransform]] = []
        for column in columns {
            var parsed: [ColumnTransform] = []
            for text in column.transforms {
                guard let transform = ColumnTransform(text) else {
                    throw FeatureDefinitionError(column: column.name, problem: "unknown transform \"\(text)\"")
                }
                parsed.append(transform)
            }
            result.append(parsed)
        }
        return result
    }

    /// Fills missing values (the column's `fill`, else 0) and applies each column's transforms in order.
    ///
    /// In place, the rows split across `workers`: on one core this was 0.3 s of every feature pass at 1M (the
    /// `log1p`s), with the other core idle.
    static func transform(_ values: inout Matrix<Double>, columns: [FeatureSchema.Column], transforms: [[ColumnTransform]],
                          workers: Int) {
        let width = values.columns
        // One flat list of what each active column does, read through a pointer: indexing the nested arrays
        // retained and released an inner array for every element (4 s of a million-patient month's CPU).
        var plannedSteps: [TransformStep] = [], plannedSequence: [ColumnTransform] = []
        for column in 0..<width where !transforms[column].isEmpty || columns[column].missing != nil || columns[column].fill != nil {
            plannedSteps.append(TransformStep(column: column, fill: columns[column].fill ?? 0, first: plannedSequence.count,
                                              end: plannedSequence.count + transforms[column].count))
            plannedSequence += transforms[column]
        }
        let (steps, sequence) = (plannedSteps, plannedSequence)
        guard !steps.isEmpty else { return }
        values.updateRows(workers: elementwiseWorkers(values.rows, workers)) { range, elements in
            steps.withUnsafeBufferPointer { steps in
                sequence.withUnsafeBufferPointer { sequence in
                    for row in 0..<range.count {
                        let start = row * width
                        for step in steps {
                            var x = elements[start + step.column]
                            if x.isNaN { x = step.fill }
                            for index in step.first..<step.end { x = sequence[index].apply(x) }
                            elements[start + step.column] = x
                        }
                    }
                }
            }
        }
    }

    /// A column ``transform(_:columns:transforms:workers:)`` changes: its fill and its transforms' range in one
    /// flat list.
    private struct TransformStep {
        var column: Int
        var fill: Double
        var first: Int
        var end: Int
    }

    /// Per-column mean and population standard deviation (1 for constant columns), computed in two passes: the
    /// centers and scales ``fit(_:asOf:spec:workers:)`` gives the columns (each column's sums are the same whatever
    /// other columns the matrix has).
    public static func standardization(_ values: Matrix<Double>, workers: Int = Parallel.processorCount)
        -> (centers: [Double], scales: [Double]) {
        let width = values.columns, rows = values.rows
        guard rows > 0 else { return (Array(repeating: 0, count: width), Array(repeating: 1, count: width)) }
        let elements = values.elements
        let sums = Parallel.map(rangesOf: rows, workers: workers) { range in
            var sums = [Double](repeating: 0, count: width)
            for row in range { for column in 0..<width { sums[column] += elements[row * width + column] } }
            return sums
        }
        let means = (0..<width).map { column in sums.reduce(0) { $0 + $1[column] } / Double(rows) }
        let squares = Parallel.map(rangesOf: rows, workers: workers) { range in
            var squares = [Double](repeating: 0, count: width)
            for row in range {
                for column in 0..<width {
                    let deviation = elements[row * width + column] - means[column]
                    squares[column] += deviation * deviation
                }
            }
            return squares
        }
        let scales = (0..<width).map { column -> Double in
            let deviation = (squares.reduce(0) { $0 + $1[column] } / Double(rows)).squareRoot()
            return deviation > 1e-12 * max(1, abs(means[column])) ? deviation : 1
        }
        return (means, scales)
    }

    /// x = (x - center) / scale for columns with both; in place (see ``transform(_:columns:transforms:workers:)``).
    static func standardize(_ values: inout Matrix<Double>, columns: [FeatureSchema.Column], workers: Int) {
        let width = values.columns
        let centers = columns.map { $0.center ?? 0 }
        let scales = columns.map { $0.scale ?? 1 }
        guard columns.contains(where: { $0.center != nil && $0.scale != nil }) else { return }
        values.updateRows(workers: elementwiseWorkers(values.rows, workers)) { range, elements in
            centers.withUnsafeBufferPointer { centers in
                scales.withUnsafeBufferPointer { scales in
                    for row in 0..<range.count {
                        for column in 0..<width {
                            elements[row * width + column] = (elements[row * width + column] - centers[column]) / scales[column]
                        }
                    }
                }
            }
        }
    }

    /// Workers for a pass that changes each element on its own (same result however the rows are split): one
    /// below a few thousand rows, where starting threads costs more than the pass.
    package static func elementwiseWorkers(_ rows: Int, _ workers: Int) -> Int {
        rows < 4096 ? 1 : workers
    }
}
