//! `f64` rounding without std: `core` has no `floor`, `trunc`, `round`, `fract` or `powi`
//! on stable (they are std methods over libm), and the dist wasm is `no_std`. Used by every
//! build, so the native tests check the very code the page runs; each function returns
//! exactly what the std method of the same name does (tests below), signed zeros, NaN and
//! infinities included.

/// 2^52: from here on every `f64` is an integer.
const INTEGRAL: f64 = 4_503_599_627_370_496.0;

/// `f64::trunc`: rounds toward zero.
pub(crate) fn trunc(x: f64) -> f64 {
    if x.abs() < INTEGRAL {
        // |x| < 2^52: the cast is exact after dropping the fraction; copysign keeps -0.0
        // for -0.5 < x <= -0.0.
        (x as i64 as f64).copysign(x)
    } else {
        // integral already, or infinite, or NaN
        x
    }
}

/// `f64::floor`: rounds toward negative infinity.
pub(crate) fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

/// `f64::round`: to the nearest integer, halves away from zero.
pub(crate) fn round(x: f64) -> f64 {
    let t = trunc(x);
    // x - t is exact: the fraction of an `f64` is itself representable.
    if (x - t).abs() >= 0.5 {
        t + 1.0f64.copysign(x)
    } else {
        t
    }
}

/// `f64::fract`: `x - trunc(x)` (std's definition; NaN for infinities).
pub(crate) fn fract(x: f64) -> f64 {
    x - trunc(x)
}

/// `2^exp` for `0 <= exp <= 1023`, exact (what `2f64.powi(exp)` gives there).
pub(crate) fn pow2(exp: u32) -> f64 {
    f64::from_bits(((1023 + exp.min(1023)) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn matches_std() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            0.49999999999999994,
            -0.49999999999999994,
            1.5,
            -1.5,
            2.5,
            -2.5,
            0.9999999999999999,
            -0.9999999999999999,
            1e-300,
            -1e-300,
            f64::MIN_POSITIVE,
            4_503_599_627_370_495.5,
            -4_503_599_627_370_495.5,
            4_503_599_627_370_496.0,
            9_007_199_254_740_993.0,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        // a spread of magnitudes and fractions, both signs
        let mut bits = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..20_000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            let x = f64::from_bits(bits);
            xs.push(x);
            xs.push((bits % 2_000_001) as f64 / 1000.0 - 1000.0);
        }
        for &x in &xs {
            assert!(same(trunc(x), x.trunc()), "trunc {x:e}");
            assert!(same(floor(x), x.floor()), "floor {x:e}");
            assert!(same(round(x), x.round()), "round {x:e}");
            assert!(same(fract(x), x.fract()), "fract {x:e}");
        }
        for e in 0..=1023 {
            assert!(same(pow2(e), 2f64.powi(e as i32)), "pow2 {e}");
        }
    }
}
