/// Tables with some rows removed (what the `drop` policies of ``ExportChecks`` do). Every column of a table is
/// filtered alike, so a column added to a table must be added to its `filtered(keeping:)` here too.

extension Array {
    /// The elements where `keep` is true; an array of another length (a column the format leaves empty) as is.
    func kept(_ keep: [Bool]) -> [Element] {
        guard count == keep.count else { return self }
        var result: [Element] = []
        result.reserveCapacity(count)
        for index in indices where keep[index] { result.append(self[index]) }
        return result
    }
}

extension CategoryColumn {
    /// The rows where `keep` is true; the levels stay as they are.
    func filtered(keeping keep: [Bool]) -> CategoryColumn { CategoryColumn(codes: codes.kept(keep), levels: levels) }
}

extension ExtraValues {
    func filtered(keeping keep: [Bool]) -> ExtraValues {
        switch self {
        case .text(let column): .text(column.filtered(keeping: keep))
        case .number(let values): .number(values.kept(keep))
        case .flag(let values): .flag(values.kept(keep))
        }
    }
}

extension Patients {
    /// The patients where `keep` is true, renumbered in order (event tables must be renumbered alike).
    func filtered(keeping keep: [Bool]) -> Patients {
        var patients = Patients(ids: PatientIdentifiers(ids.all.kept(keep)), birthDate: birthDate.kept(keep), sex: sex.kept(keep),
                                createdAt: createdAt.kept(keep), firstName: firstName.filtered(keeping: keep),
                                postalCode: postalCode.filtered(keeping: keep), email: email.filtered(keeping: keep),
                                phone: phone.filtered(keeping: keep), preferredChannel: preferredChannel.kept(keep),
                                source: source.filtered(keeping: keep), extra: extra.mapValues { $0.filtered(keeping: keep) },
                                deceasedAt: deceasedAt.kept(keep))
        patients.birthDateIsApproximate = birthDateIsApproximate
        return patients
    }
}

extension Appointments {
    func filtered(keeping keep: [Bool]) -> Appointments {
        var appointments = Appointments(patient: patient.kept(keep), scheduledAt: scheduledAt.kept(keep), bookedAt: bookedAt.kept(keep),
                                        status: status.kept(keep), service: service.filtered(keeping: keep),
                                        provider: provider.filtered(keeping: keep), amount: amount.kept(keep))
        appointments.scheduledAtPrecision = scheduledAtPrecision
        appointments.bookedAtPrecision = bookedAtPrecision
        return appointments
    }
}

extension Communications {
    func filtered(keeping keep: [Bool]) -> Communications {
        Communications(patient: patient.kept(keep), sentAt: sentAt.kept(keep), channel: channel.kept(keep),
                       campaign: campaign.filtered(keeping: keep), openedAt: openedAt.kept(keep),
                       clickedAt: clickedAt.kept(keep), respondedAt: respondedAt.kept(keep))
    }
}

extension Consents {
    func filtered(keeping keep: [Bool]) -> Consents {
        Consents(patient: patient.kept(keep), channel: channel.kept(keep), purpose: purpose.kept(keep),
                 status: status.kept(keep), recordedAt: recordedAt.kept(keep))
    }
}

extension Conditions {
    func filtered(keeping keep: [Bool]) -> Conditions {
        Conditions(patient: patient.kept(keep), code: code.filtered(keeping: keep),
                   description: description.filtered(keeping: keep), onsetDate: onsetDate.kept(keep))
    }
}

extension Leads {
    func filtered(keeping keep: [Bool]) -> Leads {
        Leads(ids: ids.filtered(keeping: keep), patient: patient.kept(keep), createdAt: createdAt.kept(keep),
              source: source.filtered(keeping: keep), interest: interest.filtered(keeping: keep),
              extra: extra.mapValues { $0.filtered(keeping: keep) })
    }
}

extension ClinicExport {
    /// Empties a table the caller does not use, as ``ExportReader`` leaves the tables it is not asked to keep
    /// (the patients table is always kept).
    public mutating func emptyTable(_ table: CanonicalTable) {
        switch table {
        case .patients: return
        case .appointments: appointments = Appointments()
        case .communications: communications = Communications()
        case .consents: consents = Consents()
        case .conditions: conditions = Conditions()
        case .leads: leads = Leads()
        }
        presentTables.remove(table)
        origins.tables[table] = nil
    }
}
