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
package enum LogisticKernel {
    /// How much one pass computes.
    package enum Order: Int, Sendable, Comparable {
        /// The weighted loss only (line searches).
        case loss
        /// Loss and gradient (L-BFGS).
        case gradient
        /// Loss, gradient and Hessian (Newton).
        case hessian

        package static func < (lhs: Order, rhs: Order) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The sums one pass produces, for the coefficient vector `(w, b)` with the intercept last.
    package struct Evaluation: Sendable {
        /// `Σᵢ sᵢ·ℓᵢ` with `ℓᵢ = log(1 + e^{zᵢ}) − yᵢ·zᵢ`.
        package var loss: Double
        /// `Σᵢ sᵢ·(pᵢ − yᵢ)·[xᵢ, 1]`: `d + 1` elements, intercept last; empty for ``Order/loss``.
        package var gradient: [Double]
        /// `Σᵢ sᵢ·pᵢ(1 − pᵢ)·[xᵢ, 1][xᵢ, 1]ᵀ`, `(d + 1)×(d + 1)`, both triangles filled; `nil` below
        /// ``Order/hessian``.
        package var hessian: Matrix<Double>?
        /// `Σᵢ xᵢ` (unweighted), when asked for with at least ``Order/gradient``; otherwise empty.
        package var columnSums: [Double] = []
    }

    /// One pass over all rows of `x`, or over the rows `selection` lists.
    ///
    /// With a selection, each chunk of selected rows is first copied into a chunk-sized buffer, so the BLAS
    /// calls see the same rows in the same chunks as on a matrix of those rows copied in order, and the sums
    /// are bit for bit the same, without a copy of the selected rows' matrix (cross-validation folds,
    /// subsamples).
    ///
    /// - Parameters:
    ///   - x: the design matrix, `d` columns.
    ///   - selection: the rows of `x` to use, in order (`n` of them), or `nil` for all `n = x.rows` rows.
    ///   - targets: `n` labels in {0, 1}, one per used row.
    ///   - weights: `n` non-negative sample weights, or `nil` for all ones.
    ///   - coefficients: `d` coefficients `w`.
    ///   - intercept: `b`.
    ///   - order: what to compute.
    ///   - workers: how many row ranges run concurrently (each with one BLAS thread).
    ///   - columnSums: also sum the columns (in the same pass, from the chunk in cache).
    /// - Complexity: O(n·d) for loss and gradient, O(n·d²) with the Hessian; one read of `x`.
    package static func evaluate(
        _ x: Matrix<Double>, selection: [Int]? = nil, targets: [Double], weights: [Double]?, coefficients: [Double],
        intercept: Double, order: Order, workers: Int, columnSums: Bool = false
    ) throws(LinearAlgebraError) -> Evaluation {
        let (n, d) = (selection?.count ?? x.rows, x.columns)
        guard targets.count == n, weights.map({ $0.count == n }) ?? true, coefficients.count == d else {
            throw .dimensionMismatch(operation: "LogisticKernel.evaluate", detail:
                "x is \(x.rows)x\(d) with \(n) rows used, targets \(targets.count), weights \(weights?.count ?? n), "
                + "coefficients \(coefficients.count)")
        }
        if let selection, let bad = selection.first(where: { !(0..<x.rows).contains($0) }) {
            throw .dimensionMismatch(operation: "LogisticKernel.evaluate", detail: "selected row \(bad) of x's \(x.rows)")
        }
        _ = try blasInt(n, "LogisticKernel.evaluate")
        _ = try blasInt(d + 1, "LogisticKernel.evaluate")
        let chunkRows = Swift.max(64, Swift.min(4096, 16384 / (d + 1)))
        // Four ranges per worker, taken dynamically by the thread pool, keep all cores busy when another
        // process steals one; the ranges depend only on `n` and `workers`, so the sums stay reproducible.
        let ranges = n >= 4 * workers * chunkRows ? 4 * workers : workers
        let partials: [Evaluation] = BLAS.withThreadCount(1) {
            Parallel.map(rangesOf: n, workers: ranges) { range in
                evaluateRows(range, x: x, selection: selection, targets: targets, weights: weights, coefficients: coefficients,
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
    package static func margins(_ x: Matrix<Double>, coefficients: [Double], intercept: Double) throws(LinearAlgebraError) -> [Double] {
        var z = Array(repeating: intercept, count: x.rows)
        try BLAS.gemv(x, coefficients, alpha: 1, beta: 1, into: &z)
        return z
    }

    /// The sums over `range` of the used rows, chunk by chunk; only the lower triangle of the Hessian is written.
    private static func evaluateRows(
        _ range: Range<Int>, x: Matrix<Double>, selection: [Int]?, targets: [Double], weights: [Double]?,
        coefficients: [Double], intercept: Double, order: Order, chunkRows: Int, columnSums: Bool
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
        var gatheredRows = Array(repeating: 0.0, count: selection == nil ? 0 : chunkRows * d + 1)
        let usedRows = selection ?? []
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
        gatheredRows.withUnsafeMutableBufferPointer { gathered in
        usedRows.withUnsafeBufferPointer { used in
            var start = range.lowerBound
            while start < range.upperBound {
                let rows = Swift.min(chunkRows, range.upperBound - start)
                let chunk: UnsafePointer<Double>
                if selection == nil || d == 0 {
                    chunk = xBuffer.baseAddress! + start * d
                } else {
                    // OpenBLAS's kernels take different paths (and sum in a different order) for data that is
                    // only 8-byte aligned: the gathered chunk keeps the 16-byte alignment the chunk of a
                    // copied matrix would have (array storage is 16-byte aligned, the chunk starts
                    // `start·d` elements in), so the sums keep their bits.
                    let target = gathered.baseAddress! + (start * d) % 2
                    for i in 0..<rows {
                        (target + i * d).update(from: xBuffer.baseAddress! + used[start + i] * d, count: d)
                    }
                    chunk = UnsafePointer(target)
                }
                // z = X_chunk · w (+ b below)
                if d > 0 {
                    cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(d), 1, chunk, Int32(d),
                                w.baseAddress, 1, 0, z.baseAddress, 1)
                } else {
                    for i in 0..<rows { z[i] = 0 }
                }
                // Eight rows at a time: the exponential and logarithm are the per-row cost, and vectorized
                // they drop below the cost of streaming the row from memory. The tail is padded with
                // zero-weight rows that add nothing.
                var lossLanes = SIMD8<Double>(repeating: 0), residualLanes = SIMD8<Double>(repeating: 0)
                var i = 0
                while i < rows {
                    let valid = Swift.min(8, rows - i)
                    var margin = SIMD8<Double>(repeating: 0), weight = SIMD8<Double>(repeating: 0)
                    var label = SIMD8<Double>(repeating: 0)
                    if valid == 8 {
                        margin = UnsafeRawPointer(z.baseAddress! + i).loadUnaligned(as: SIMD8<Double>.self)
                        label = UnsafeRawPointer(y.baseAddress! + start + i).loadUnaligned(as: SIMD8<Double>.self)
                        weight = weightStride == 0 ? SIMD8(repeating: s[0])
                            : UnsafeRawPointer(s.baseAddress! + start + i).loadUnaligned(as: SIMD8<Double>.self)
                    } else {
                        for lane in 0..<valid {
                            margin[lane] = z[i + lane]
                            label[lane] = y[start + i + lane]
                            weight[lane] = s[(start + i + lane) * weightStride]
                        }
                    }
                    margin += intercept
                    let e = exponentialOfNonPositive(pointwiseMin(margin, -margin))
                    let onePlusE = 1 + e
                    let reciprocal = 1 / onePlusE
                    let p = (e * reciprocal).replacing(with: reciprocal, where: margin .>= 0)
                    lossLanes += weight * (pointwiseMax(margin, SIMD8(repeating: 0)) + logOnePlusUnit(e) - label * margin)
                    if order >= .gradient {
                        let residual = weight * (p - label)
                        residualLanes += residual
                        for lane in 0..<valid { r[i + lane] = residual[lane] }
                    }
                    if order >= .hessian {
                        let root = (weight * e).squareRoot() * reciprocal
                        for lane in 0..<valid { rootH[i + lane] = root[lane] }
                    }
                    i += 8
                }
                loss += lossLanes.sum()
                let residualSum = residualLanes.sum()
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
        }}}}}}}}}}}}}}
        return Evaluation(loss: loss, gradient: gradient,
                          hessian: order >= .hessian ? Matrix(rows: width, columns: width, elements: hessian) : nil,
                          columnSums: sums)
    }
}

extension LogisticKernel {
    /// `eˣ` for `x ≤ 0`, eight lanes at once, to about one ulp: `x = n·ln2 + r` with `|r| ≤ ln2/2`, `eʳ` by its
    /// Taylor polynomial of degree 13 (remainder below 5·10⁻¹⁸), times `2ⁿ` built in the exponent bits.
    /// Arguments below −708 are taken as −708 (`e⁻⁷⁰⁸ ≈ 3·10⁻³⁰⁸`, the smallest normal result).
    @inline(__always)
    static func exponentialOfNonPositive(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let clamped = pointwiseMax(x, SIMD8(repeating: -708))
        // n = round(x·log₂e) by the 1.5·2⁵² trick: adding it rounds to an integer, whose two's-complement
        // value sits in the low mantissa bits (`rounded()` and integer conversion do not vectorize here).
        let shifter = SIMD8<Double>(repeating: 6755399441055744.0)
        let shifted = clamped * 1.4426950408889634 + shifter
        let n = shifted - shifter
        // ln 2 split so that n·ln2Hi is exact for |n| < 2²⁰.
        let r = (clamped - n * 0.6931471803691238) - n * 1.9082149292705877e-10
        // Horner with the coefficients 1/k!, k = 13 … 0.
        var polynomial = SIMD8<Double>(repeating: 1.6059043836821613e-10)
        polynomial = polynomial * r + 2.08767569878681e-09
        polynomial = polynomial * r + 2.505210838544172e-08
        polynomial = polynomial * r + 2.755731922398589e-07
        polynomial = polynomial * r + 2.7557319223985893e-06
        polynomial = polynomial * r + 2.48015873015873e-05
        polynomial = polynomial * r + 0.0001984126984126984
        polynomial = polynomial * r + 0.001388888888888889
        polynomial = polynomial * r + 0.008333333333333333
        polynomial = polynomial * r + 0.041666666666666664
        polynomial = polynomial * r + 0.16666666666666666
        polynomial = polynomial * r + 0.5
        polynomial = polynomial * r + 1
        polynomial = polynomial * r + 1
        let exponentBits = (unsafeBitCast(shifted, to: SIMD8<UInt64>.self) &- unsafeBitCast(shifter, to: SIMD8<UInt64>.self)
                            &+ 1023) &<< 52
        return polynomial * unsafeBitCast(exponentBits, to: SIMD8<Double>.self)
    }

    /// `log(1 + e)` for `e` in [0, 1], eight lanes at once, accurate for tiny `e` (as `log1p`):
    /// `log(1 + e) = 2·atanh(s)` with `s = e/(2 + e)` for `e ≤ √2 − 1`, and `ln 2 + 2·atanh(s)` with
    /// `s = (e − 1)/(e + 3)` above, so `|s| ≤ 0.1716` and the odd series `2·s·Σ s²ᵏ/(2k + 1)` to `k = 11`
    /// is exact to about 10⁻¹⁷; rounding leaves the result within a few ulp of `log1p`.
    @inline(__always)
    static func logOnePlusUnit(_ e: SIMD8<Double>) -> SIMD8<Double> {
        let upper = e .> 0.41421356237309503
        let numerator = e.replacing(with: e - 1, where: upper)
        let s = numerator / (e + SIMD8<Double>(repeating: 2).replacing(with: 3, where: upper))
        let t = s * s
        // Horner with the coefficients 1/(2k + 1), k = 11 … 0.
        var series = SIMD8<Double>(repeating: 0.043478260869565216)
        series = series * t + 0.047619047619047616
        series = series * t + 0.05263157894736842
        series = series * t + 0.058823529411764705
        series = series * t + 0.06666666666666667
        series = series * t + 0.07692307692307693
        series = series * t + 0.09090909090909091
        series = series * t + 0.1111111111111111
        series = series * t + 0.14285714285714285
        series = series * t + 0.2
        series = series * t + 0.3333333333333333
        series = series * t + 1
        return 2 * s * series + SIMD8<Double>(repeating: 0).replacing(with: 0.6931471805599453, where: upper)
    }
}

extension LogisticKernel {
    /// The first element of `x` (in row-major order) that is NaN or infinite, as `(row, column, value)`;
    /// `nil` when all are finite. Rows are scanned by `workers` concurrently.
    package static func firstNonFinite(_ x: Matrix<Double>, workers: Int) -> (row: Int, column: Int, value: Double)? {
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
