import CStrataBLAS
import Foundation

/// Fused passes over a design matrix for binary logistic regression.
///
/// One call reads every row of `x` once. Rows are split across workers; each worker walks its rows in
/// cache-sized chunks and, per chunk, computes the margins `z = X·w + b` (dgemv), the probabilities
/// `p = σ(z)`, the weighted log-loss, the residuals `r = s·(p − y)` and, when asked, the curvature
/// `h = s·p·(1 − p)`; the chunk is still in cache when its gradient `Xᵀr` (dgemv) and its share of the
/// Hessian `[X 1]ᵀ diag(h) [X 1]` (dsyrk on the `√h`-scaled rows) are added to the worker's partial sums.
/// Partial sums are then reduced in worker order, so a given worker count gives the same bits every time.
///
/// The loss uses the stable forms `log(1 + eᶻ) = max(z, 0) + log1p(e^{−|z|})` and
/// `σ(z) = 1 / (1 + e^{−z})` for `z ≥ 0`, `e^{z} / (1 + e^{z})` otherwise, and `p(1 − p) = e^{−|z|} / (1 + e^{−|z|})²`.
public enum LogisticKernel {
    /// How much one pass computes.
    public enum Order: Int, Sendable, Comparable {
        /// The weighted loss only (line searches).
        case loss
        /// Loss and gradient (L-BFGS).
        case gradient
        /// Loss, gradient and Hessian (Newton).
        case hessian

        public static func < (lhs: Order, rhs: Order) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The sums one pass produces, for the coefficient vector `(w, b)` with the intercept last.
    public struct Evaluation: Sendable {
        /// `Σᵢ sᵢ·ℓᵢ` with `ℓᵢ = log(1 + e^{zᵢ}) − yᵢ·zᵢ`.
        public var loss: Double
        /// `Σᵢ sᵢ·(pᵢ − yᵢ)·[xᵢ, 1]`: `d + 1` elements, intercept last; empty for ``Order/loss``.
        public var gradient: [Double]
        /// `Σᵢ sᵢ·pᵢ(1 − pᵢ)·[xᵢ, 1][xᵢ, 1]ᵀ`, `(d + 1)×(d + 1)`, both triangles filled; `nil` below
        /// ``Order/hessian``.
        public var hessian: Matrix<Double>?
        /// `Σᵢ xᵢ` (unweighted), when asked for with at least ``Order/gradient``; otherwise empty.
        public var columnSums: [Double] = []
    }

    /// One pass over all rows of `x`.
    ///
    /// - Parameters:
    ///   - x: the `n×d` design matrix.
    ///   - targets: `n` labels in {0, 1}.
    ///   - weights: `n` non-negative sample weights, or `nil` for all ones.
    ///   - coefficients: `d` coefficients `w`.
    ///   - intercept: `b`.
    ///   - order: what to compute.
    ///   - workers: how many row ranges run concurrently (each with one BLAS thread).
    ///   - columnSums: also sum the columns (in the same pass, from the chunk in cache).
    /// - Complexity: O(n·d) for loss and gradient, O(n·d²) with the Hessian; one read of `x`.
    public static func evaluate(
        _ x: Matrix<Double>, targets: [Double], weights: [Double]?, coefficients: [Double], intercept: Double,
        order: Order, workers: Int, columnSums: Bool = false
    ) throws(LinearAlgebraError) -> Evaluation {
        let (n, d) = (x.rows, x.columns)
        guard targets.count == n, weights.map({ $0.count == n }) ?? true, coefficients.count == d else {
            throw .dimensionMismatch(operation: "LogisticKernel.evaluate", detail:
                "x is \(n)x\(d), targets \(targets.count), weights \(weights?.count ?? n), coefficients \(coefficients.count)")
        }
        _ = try blasInt(n, "LogisticKernel.evaluate")
        _ = try blasInt(d + 1, "LogisticKernel.evaluate")
        let chunkRows = Swift.max(64, Swift.min(4096, 16384 / (d + 1)))
        // Four ranges per worker, taken dynamically by the thread pool, keep all cores busy when another
        // process steals one; the ranges depend only on `n` and `workers`, so the sums stay reproducible.
        let ranges = n >= 4 * workers * chunkRows ? 4 * workers : workers
        let partials: [Evaluation] = BLAS.withThreadCount(1) {
            Parallel.map(rangesOf: n, workers: ranges) { range in
                evaluateRows(range, x: x, targets: targets, weights: weights, coefficients: coefficients,
                             intercept: intercept, order: order, chunkRows: chunkRows,
                             columnSums: columnSums && order >= .gradient)
            }
        }
        let width = d + 1
        var total = Evaluation(loss: 0, gradient: order >= .gradient ? Array(repeating: 0, count: width) : [],
                               hessian: order >= .hessian ? Matrix(rows: width, columns: width) : nil,
                               columnSums: columnSums && order >= .gradient ? Array(repeating: 0, count: d) : [])
        for partial in partials {
            total.loss += partial.loss
            for j in total.columnSums.indices { total.columnSums[j] += partial.columnSums[j] }
            for j in total.gradient.indices { total.gradient[j] += partial.gradient[j] }
            if let partialHessian = partial.hessian {
                for k in 0..<(width * width) { total.hessian!.elements[k] += partialHessian.elements[k] }
            }
        }
        if total.hessian != nil {
            for i in 0..<width {
                for j in (i + 1)..<Swift.max(i + 1, width) { total.hessian![i, j] = total.hessian![j, i] }
            }
        }
        return total
    }

    /// The margins `X·w + b` of every row (dgemv over all rows, one BLAS call).
    public static func margins(_ x: Matrix<Double>, coefficients: [Double], intercept: Double) throws(LinearAlgebraError) -> [Double] {
        var z = Array(repeating: intercept, count: x.rows)
        try BLAS.gemv(x, coefficients, alpha: 1, beta: 1, into: &z)
        return z
    }

    /// The sums over `range` of rows, chunk by chunk; only the lower triangle of the Hessian is written.
    private static func evaluateRows(
        _ range: Range<Int>, x: Matrix<Double>, targets: [Double], weights: [Double]?, coefficients: [Double],
        intercept: Double, order: Order, chunkRows: Int, columnSums: Bool
    ) -> Evaluation {
        let d = x.columns, width = d + 1
        var loss = 0.0
        var gradient = Array(repeating: 0.0, count: order >= .gradient ? width : 0)
        var hessian = Array(repeating: 0.0, count: order >= .hessian ? width * width : 0)
        var sums = Array(repeating: 0.0, count: columnSums ? d : 0)
        let ones = Array(repeating: 1.0, count: columnSums ? chunkRows : 0)
        var margins = Array(repeating: 0.0, count: chunkRows)
        var residuals = Array(repeating: 0.0, count: order >= .gradient ? chunkRows : 0)
        var rootCurvature = Array(repeating: 0.0, count: order >= .hessian ? chunkRows : 0)
        var scaledRows = Array(repeating: 0.0, count: order >= .hessian ? chunkRows * width : 0)
        let unitWeights = weights == nil ? [1.0] : []
        let rowWeights = weights ?? unitWeights
        let weightStride = weights == nil ? 0 : 1
        x.elements.withUnsafeBufferPointer { xBuffer in
        targets.withUnsafeBufferPointer { y in
        rowWeights.withUnsafeBufferPointer { s in
        coefficients.withUnsafeBufferPointer { w in
        margins.withUnsafeMutableBufferPointer { z in
        residuals.withUnsafeMutableBufferPointer { r in
        gradient.withUnsafeMutableBufferPointer { g in
        sums.withUnsafeMutableBufferPointer { columnTotals in
        ones.withUnsafeBufferPointer { one in
        hessian.withUnsafeMutableBufferPointer { h in
        rootCurvature.withUnsafeMutableBufferPointer { rootH in
        scaledRows.withUnsafeMutableBufferPointer { scaled in
            var start = range.lowerBound
            while start < range.upperBound {
                let rows = Swift.min(chunkRows, range.upperBound - start)
                let chunk = xBuffer.baseAddress! + start * d
                // z = X_chunk · w (+ b below)
                if d > 0 {
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(d), 1, chunk, Int32(d),
                                w.baseAddress, 1, 0, z.baseAddress, 1)
                } else {
                    for i in 0..<rows { z[i] = 0 }
                }
                var residualSum = 0.0
                for i in 0..<rows {
                    let row = start + i
                    let weight = s[row * weightStride]
                    let margin = z[i] + intercept
                    let e = exp(-Swift.abs(margin))
                    let onePlusE = 1 + e
                    let p = margin >= 0 ? 1 / onePlusE : e / onePlusE
                    let yi = y[row]
                    loss += weight * (Swift.max(margin, 0) + log1p(e) - yi * margin)
                    if order >= .gradient {
                        let residual = weight * (p - yi)
                        r[i] = residual
                        residualSum += residual
                    }
                    if order >= .hessian {
                        rootH[i] = (weight * e).squareRoot() / onePlusE
                    }
                }
                if order >= .gradient {
                    if d > 0 {
                        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(d), 1, chunk, Int32(d),
                                    r.baseAddress, 1, 1, g.baseAddress, 1)
                    }
                    if d > 0 && columnSums {
                        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(d), 1, chunk, Int32(d),
                                    one.baseAddress, 1, 1, columnTotals.baseAddress, 1)
                    }
                    g[d] += residualSum
                }
                if order >= .hessian {
                    for i in 0..<rows {
                        let factor = rootH[i]
                        let source = chunk + i * d
                        let target = scaled.baseAddress! + i * width
                        for j in 0..<d { target[j] = factor * source[j] }
                        target[d] = factor
                    }
                    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, Int32(width), Int32(rows), 1,
                                scaled.baseAddress, Int32(width), 1, h.baseAddress, Int32(width))
                }
                start += rows
            }
        }}}}}}}}}}}}
        return Evaluation(loss: loss, gradient: gradient,
                          hessian: order >= .hessian ? Matrix(rows: width, columns: width, elements: hessian) : nil,
                          columnSums: sums)
    }
}

extension LogisticKernel {
    /// The first element of `x` (in row-major order) that is NaN or infinite, as `(row, column, value)`;
    /// `nil` when all are finite. Rows are scanned by `workers` concurrently.
    public static func firstNonFinite(_ x: Matrix<Double>, workers: Int) -> (row: Int, column: Int, value: Double)? {
        let columns = x.columns
        guard columns > 0 else { return nil }
        let hits: [Int?] = Parallel.map(rangesOf: x.rows, workers: workers) { range in
            x.elements.withUnsafeBufferPointer { buffer -> Int? in
                let start = range.lowerBound * columns, end = range.upperBound * columns
                var index = start
                while index < end {
                    // Finite values satisfy v - v == 0; NaN and ±inf give NaN. Checking blocks first keeps
                    // the common all-finite case a branch-light sum.
                    let blockEnd = Swift.min(end, index + 1024)
                    var probe = 0.0
                    for k in index..<blockEnd { probe += buffer[k] - buffer[k] }
                    if probe != 0 || probe.isNaN {
                        for k in index..<blockEnd where !buffer[k].isFinite { return k }
                    }
                    index = blockEnd
                }
                return nil
            }
        }
        guard let flat = hits.compactMap({ $0 }).first else { return nil }
        return (flat / columns, flat % columns, x.elements[flat])
    }
}
