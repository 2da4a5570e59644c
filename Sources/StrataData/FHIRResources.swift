/// The parts of FHIR R4 resources the bulk adapter reads (``FHIRBulkAdapter``). Every other element of a
/// resource is ignored; names follow the FHIR specification, so a decoding error's coding path is the
/// element's path in the resource (`period.start`, `subject.reference`).
enum FHIR {
    struct Coding: Decodable {
        var system: String?
        var code: String?
        var display: String?
    }

    struct CodeableConcept: Decodable {
        var coding: [Coding]?
        var text: String?

        /// The text a person would read: `text`, else the first coding's display, else its code.
        var label: String? {
            nonEmpty(text) ?? coding?.lazy.compactMap { nonEmpty($0.display) ?? nonEmpty($0.code) }.first
        }
    }

    struct Reference: Decodable {
        var reference: String?
        var display: String?
    }

    struct Period: Decodable {
        var start: String?
        var end: String?
    }

    struct HumanName: Decodable {
        var use: String?
        var given: [String]?
    }

    struct Address: Decodable {
        var postalCode: String?
    }

    struct ContactPoint: Decodable {
        var system: String?
        var value: String?
    }

    /// What every line is checked for before its type is decoded.
    struct Header: Decodable {
        var resourceType: String?
    }

    struct Patient: Decodable {
        var id: String?
        var birthDate: String?
        var gender: String?
        var name: [HumanName]?
        var address: [Address]?
        var telecom: [ContactPoint]?
        /// `deceased[x]`: a date (or date and time) of death, or only whether the patient has died.
        var deceasedDateTime: String?
        var deceasedBoolean: Bool?
    }

    struct EncounterParticipant: Decodable {
        var individual: Reference?
    }

    struct Encounter: Decodable {
        var status: String?
        /// R4: a single Coding (`class` in JSON).
        var encounterClass: Coding?
        var type: [CodeableConcept]?
        var subject: Reference?
        var period: Period?
        var participant: [EncounterParticipant]?

        enum CodingKeys: String, CodingKey {
            case status, encounterClass = "class", type, subject, period, participant
        }
    }

    struct Condition: Decodable {
        var subject: Reference?
        var code: CodeableConcept?
        var verificationStatus: CodeableConcept?
        var onsetDateTime: String?
        var onsetPeriod: Period?
        var recordedDate: String?
    }

    struct Procedure: Decodable {
        var status: String?
        var subject: Reference?
        var code: CodeableConcept?
        var performedDateTime: String?
        var performedPeriod: Period?
    }

    struct MedicationRequest: Decodable {
        var status: String?
        var subject: Reference?
        var medicationCodeableConcept: CodeableConcept?
        var medicationReference: Reference?
        var authoredOn: String?
    }

    struct Immunization: Decodable {
        var status: String?
        var patient: Reference?
        var vaccineCode: CodeableConcept?
        var occurrenceDateTime: String?
    }

    struct Communication: Decodable {
        var status: String?
        var subject: Reference?
        var medium: [CodeableConcept]?
        var category: [CodeableConcept]?
        var sent: String?
    }

    struct ConsentProvision: Decodable {
        var type: String?
        var purpose: [Coding]?
        var code: [CodeableConcept]?
    }

    struct Consent: Decodable {
        var status: String?
        var patient: Reference?
        var category: [CodeableConcept]?
        var dateTime: String?
        var provision: ConsentProvision?
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
