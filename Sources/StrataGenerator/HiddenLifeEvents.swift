import StrataRandom

/// What ends a patient's relationship with the clinic in the `realistic` behaviour without the export's
/// history announcing it: a life event (moving away, a new insurer, a bad experience; ``LifeEventRates``)
/// and death (``Mortality``).
///
/// Both instants are drawn when the patient starts, from a stream of their own (`lifeEvents`), so the rest of
/// the person's draws are unchanged and `--to` stays a pure cut: the instants do not depend on the cut, and
/// the simulation acts on them in time order. The ground truth never sees them: its replicas draw them
/// again after the as-of date (``redrawn(after:ageYears:sex:rates:rng:)``).
struct HiddenLifeEvents {
    /// When a life event ends the relationship for good; `Int64.max` when none.
    var leavesAt: Int64 = .max
    /// When the patient dies; `Int64.max` when not within reach of the simulation.
    var diesAt: Int64 = .max

    /// None at all: the `idealized` behaviour.
    static let none = HiddenLifeEvents()

    /// Draws both instants for a patient whose history starts at `historyStart`, aged `ageYears` then.
    static func draw(seed: UInt64, person: Int, historyStart: Int64, ageYears: Double, sex: Int,
                     rates: LifeEventRates) -> HiddenLifeEvents {
        var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(person), purpose: .lifeEvents)
        return redrawn(after: historyStart, ageYears: ageYears, sex: sex, rates: rates, rng: &rng)
    }

    /// Both instants after `time`, given that neither has happened by then (the exponential is memoryless;
    /// the death time is Gompertz conditional on surviving to `ageYears`).
    static func redrawn(after time: Int64, ageYears: Double, sex: Int, rates: LifeEventRates,
                        rng: inout Xoshiro256StarStar) -> HiddenLifeEvents {
        var events = HiddenLifeEvents()
        let rate = rates.ratePerDay
        if rate > 0 {
            events.leavesAt = instant(time, plusDays: rng.exponential(mean: 1 / rate))
        }
        events.diesAt = instant(time, plusDays: Mortality.remainingYears(age: max(0, ageYears), sex: sex, rng: &rng) * 365.25)
        return events
    }

    /// `time` plus `days`, or `Int64.max` beyond a thousand years.
    private static func instant(_ time: Int64, plusDays days: Double) -> Int64 {
        days < 365_250 ? time + Int64(days * 86_400) : .max
    }
}

/// Deaths at age-appropriate rates: a Gompertz hazard μ(x) = a · e^(b·x) per year of age x, fitted per sex to
/// ages 40–90 of the US Social Security Administration's period life table (2020, as used in the 2023
/// Trustees Report; `docs/export-format.md` lists the fit against the table). `other` and `unknown` follow
/// either curve with probability ½ (``hazard(age:sex:)`` gives their mean). Gompertz leaves out infant and accident mortality (it underestimates deaths below about 30),
/// which matters little for clinic patients.
enum Mortality {
    /// (a, b) per sex index (`female`, `male`).
    static let female = (a: 3.97e-5, b: 0.088)
    static let male = (a: 1.07e-4, b: 0.080)

    /// The yearly hazard at `age` for `sex` (index into `CanonicalValues.sex`).
    static func hazard(age: Double, sex: Int) -> Double {
        switch sex {
        case 0: female.a * exponent(female.b * age)
        case 1: male.a * exponent(male.b * age)
        default: (female.a * exponent(female.b * age) + male.a * exponent(male.b * age)) / 2
        }
    }

    /// Years until death for someone alive at `age`: inverts the cumulative hazard
    /// H(x) = (a/b)(e^(b·x) − 1), so x = ln(e^(b·age) + b·E/a) / b with E exponential(1).
    static func remainingYears(age: Double, sex: Int, rng: inout Xoshiro256StarStar) -> Double {
        let parameters = sex == 0 ? female : sex == 1 ? male : (rng.bernoulli(0.5) ? female : male)
        let e = rng.exponential(mean: 1)
        let (a, b) = parameters
        return naturalLog(exponent(b * age) + b * e / a) / b - age
    }
}
