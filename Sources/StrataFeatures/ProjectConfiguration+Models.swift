import Foundation

/// `models:` in `strata.yml`: how `strata retrain` decides that a challenger replaces the champion.
///
///     models:
///       promote_when:
///         auc_drop_at_most: 0.005          # challenger AUC >= champion AUC - 0.005
///         log_loss_increase_at_most: 0.01  # challenger log loss <= champion log loss x 1.01
///
/// Both are measured on the same out-of-time window, which neither model was fitted on. Unknown keys are
/// errors naming the key.
public struct ModelSettings: Sendable, Equatable {
    /// When a challenger is not worse than the champion.
    public struct PromotionRule: Sendable, Equatable {
        /// The largest AUC drop (champion minus challenger, in AUC points) still accepted.
        public var aucDropAtMost: Double
        /// The largest relative log-loss increase still accepted (0.01: 1% higher).
        public var logLossIncreaseAtMost: Double

        public init(aucDropAtMost: Double = 0.005, logLossIncreaseAtMost: Double = 0.01) {
            self.aucDropAtMost = aucDropAtMost
            self.logLossIncreaseAtMost = logLossIncreaseAtMost
        }

        /// Whether a challenger with `challenger` AUC and log loss passes against the champion's, and why.
        public func accepts(champion: (auc: Double, logLoss: Double), challenger: (auc: Double, logLoss: Double)) -> (Bool, String) {
            let drop = champion.auc - challenger.auc
            let increase = champion.logLoss > 0 ? challenger.logLoss / champion.logLoss - 1 : challenger.logLoss - champion.logLoss
            let aucText = String(format: "AUC %@ %.4f (limit: a drop of %.4f)", drop > 0 ? "drops" : "rises", abs(drop), aucDropAtMost)
            let lossText = String(format: "log loss %@ %.2f%% (limit: %.2f%% higher)", increase > 0 ? "rises" : "falls",
                                  abs(increase) * 100, logLossIncreaseAtMost * 100)
            let passes = drop <= aucDropAtMost && increase <= logLossIncreaseAtMost
            return (passes, aucText + ", " + lossText)
        }
    }

    public var promoteWhen: PromotionRule

    public init(promoteWhen: PromotionRule = PromotionRule()) {
        self.promoteWhen = promoteWhen
    }
}

extension ProjectConfiguration {
    /// The `models:` section (defaults where absent).
    /// - Throws: ``ConfigurationError`` naming the key for an unknown key or a value that is not a number
    ///   from 0 to 1.
    public func modelSettings(file: String = "strata.yml") throws(ConfigurationError) -> ModelSettings {
        var settings = ModelSettings()
        func fail(_ message: String) -> ConfigurationError { ConfigurationError(file: file, message: message) }
        guard let models, models != .null else { return settings }
        guard case let .mapping(section) = models else { throw fail("models: expected a mapping with promote_when") }
        for (key, value) in section.sorted(by: { $0.key < $1.key }) {
            guard key == "promote_when" else { throw fail("models: unknown key '\(key)' (expected promote_when)") }
            guard case let .mapping(rule) = value else {
                throw fail("models.promote_when: expected a mapping with auc_drop_at_most, log_loss_increase_at_most")
            }
            for (ruleKey, ruleValue) in rule.sorted(by: { $0.key < $1.key }) {
                guard case let .number(number) = ruleValue, number.isFinite, (0...1).contains(number) else {
                    throw fail("models.promote_when.\(ruleKey): expected a number from 0 to 1, got \(ruleValue)")
                }
                switch ruleKey {
                case "auc_drop_at_most": settings.promoteWhen.aucDropAtMost = number
                case "log_loss_increase_at_most": settings.promoteWhen.logLossIncreaseAtMost = number
                default:
                    throw fail("models.promote_when: unknown key '\(ruleKey)' (expected auc_drop_at_most, log_loss_increase_at_most)")
                }
            }
        }
        return settings
    }
}
