//! Numbers as text without core's float formatting: `format!("{v}")` and
//! `format!("{v:.2}")` on an `f64` build core's Grisu and Dragon code into
//! the app (4.3 KB brotli, measured). These give the same text from the
//! number's exact decimal value, worked out with whole-number arithmetic;
//! the shortest form checks itself with `str::parse`, which the app has
//! anyway.

/// A non-negative decimal: `digits` (most significant first, each 0-9) times
/// ten to the power `-point`.
#[derive(Clone)]
struct Decimal {
    digits: Vec<u8>,
    point: i32,
}

impl Decimal {
    /// The exact value of a finite `f64`, without its sign. Every double is
    /// a whole number times a power of two, so its decimal expansion ends.
    fn exact(v: f64) -> Decimal {
        let bits = v.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        let (mantissa, exp) = if biased == 0 {
            (fraction, -1074)
        } else {
            (fraction | 1 << 52, biased - 1075)
        };
        // Least significant digit first while multiplying.
        let mut digits = Vec::new();
        let mut m = mantissa;
        while m > 0 {
            digits.push((m % 10) as u8);
            m /= 10;
        }
        // m * 2^exp; for a negative exp, m * 5^-exp / 10^-exp.
        let (factor, most) = if exp >= 0 { (2u64, 28) } else { (5, 13) };
        let mut left = exp.unsigned_abs();
        while left > 0 {
            // A few powers at a time: a digit times the factor, plus the
            // carry, stays well within a u64.
            let step = left.min(most);
            let by = factor.pow(step);
            let mut carry = 0u64;
            for d in digits.iter_mut() {
                let x = u64::from(*d) * by + carry;
                *d = (x % 10) as u8;
                carry = x / 10;
            }
            while carry > 0 {
                digits.push((carry % 10) as u8);
                carry /= 10;
            }
            left -= step;
        }
        digits.reverse();
        Decimal {
            digits,
            point: if exp < 0 { -exp } else { 0 },
        }
    }

    /// Cut to `keep` decimals (negative: to tens, hundreds...): the value
    /// below, and whether what was cut is more than half, exactly half, or
    /// less (`Greater`, `Equal`, `Less`), or nothing at all (`None`).
    fn cut(&self, keep: i32) -> (Decimal, Option<std::cmp::Ordering>) {
        use std::cmp::Ordering::*;
        if self.point <= keep {
            return (self.clone(), None);
        }
        let drop = (self.point - keep) as usize;
        let len = self.digits.len();
        let (kept, rest) = self.digits.split_at(len.saturating_sub(drop));
        let rest_is_zero = rest.iter().all(|&d| d == 0);
        let against_half = if rest_is_zero {
            None
        } else if drop > len {
            // Below a tenth of the last kept place.
            Some(Less)
        } else {
            Some(match rest[0].cmp(&5) {
                Equal if rest[1..].iter().any(|&d| d != 0) => Greater,
                o => o,
            })
        };
        let down = Decimal {
            digits: kept.to_vec(),
            point: keep,
        };
        (down, against_half)
    }

    /// One more in the last place.
    fn bump(mut self) -> Decimal {
        for d in self.digits.iter_mut().rev() {
            if *d == 9 {
                *d = 0;
            } else {
                *d += 1;
                return self;
            }
        }
        self.digits.insert(0, 1);
        self
    }

    fn last_is_odd(&self) -> bool {
        self.digits.last().is_some_and(|d| d % 2 == 1)
    }

    /// Written out with exactly `decimals` places (`decimals` >= `point`).
    fn write(&self, decimals: i32, out: &mut String) {
        let mut digits = self.digits.clone();
        digits.resize(digits.len() + (decimals - self.point) as usize, 0);
        let decimals = decimals as usize;
        if digits.len() <= decimals {
            let mut padded = vec![0; decimals + 1 - digits.len()];
            padded.append(&mut digits);
            digits = padded;
        }
        let (int, frac) = digits.split_at(digits.len() - decimals);
        let first = int.iter().position(|&d| d != 0).unwrap_or(int.len() - 1);
        out.extend(int[first..].iter().map(|&d| char::from(b'0' + d)));
        if !frac.is_empty() {
            out.push('.');
            out.extend(frac.iter().map(|&d| char::from(b'0' + d)));
        }
    }
}

/// The sign, and the words for what is not a number, as core writes them.
fn special(v: f64, out: &mut String) -> bool {
    if v.is_nan() {
        out.push_str("NaN");
        return true;
    }
    if v.is_sign_negative() {
        out.push('-');
    }
    if v.is_infinite() {
        out.push_str("inf");
        return true;
    }
    false
}

/// `format!("{v:.decimals$}")`: the exact value rounded half to even.
pub fn fixed(v: f64, decimals: u32) -> String {
    let mut out = String::new();
    if special(v, &mut out) {
        return out;
    }
    let decimals = decimals as i32;
    let (down, half) = Decimal::exact(v.abs()).cut(decimals);
    let up = match half {
        Some(std::cmp::Ordering::Greater) => true,
        Some(std::cmp::Ordering::Equal) => down.last_is_odd(),
        _ => false,
    };
    let rounded = if up { down.bump() } else { down };
    rounded.write(decimals, &mut out);
    out
}

/// `format!("{v}")`: the fewest digits that read back as `v`, the nearest
/// to it when two are as short.
pub fn shortest(v: f64) -> String {
    let mut out = String::new();
    if special(v, &mut out) {
        return out;
    }
    let v = v.abs();
    if v == 0.0 {
        out.push('0');
        return out;
    }
    let exact = Decimal::exact(v);
    // Start at the first significant digit, and add one digit at a time.
    let mut keep = exact.point + 1 - exact.digits.len() as i32;
    loop {
        let (down, half) = exact.cut(keep);
        let Some(half) = half else {
            down.write(keep.max(0), &mut out);
            return out;
        };
        let up = down.clone().bump();
        let (near, far) = if half == std::cmp::Ordering::Less {
            (down, up)
        } else {
            (up, down)
        };
        for candidate in [near, far] {
            let mut text = String::new();
            candidate.write(keep.max(0), &mut text);
            if text.parse::<f64>() == Ok(v) {
                // Rounding up can carry into a new first digit (1e-7 is
                // 0.0000000999...: `0.00000010`), leaving a zero to drop.
                if text.contains('.') {
                    text.truncate(text.trim_end_matches('0').trim_end_matches('.').len());
                }
                out.push_str(&text);
                return out;
            }
        }
        keep += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Core's own formatting is the reference: natively it costs nothing.
    fn same_as_core(v: f64) {
        assert_eq!(shortest(v), format!("{v}"), "{v:e}");
        for d in 0..3 {
            assert_eq!(fixed(v, d), format!("{v:.*}", d as usize), "{v:e} to {d}");
        }
    }

    #[test]
    fn reads_as_core_writes() {
        assert_eq!(shortest(7.5), "7.5");
        assert_eq!(shortest(12.0), "12");
        assert_eq!(shortest(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(shortest(1e-7), "0.0000001");
        assert_eq!(shortest(2f64.powi(60)), "1152921504606847000");
        assert_eq!(fixed(17993.36, 2), "17993.36");
        // Half to even, on the exact value: 0.125 is exact, 0.15 is below.
        assert_eq!(fixed(0.125, 2), "0.12");
        assert_eq!(fixed(2.5, 0), "2");
        assert_eq!(fixed(0.15, 1), "0.1");
        assert_eq!(fixed(-0.001, 1), "-0.0");
        let odd = [
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            1e21,
            113.33333333333333,
            9007199254740993.0,
        ];
        for v in odd {
            same_as_core(v);
        }
        // Powers of two: the one place where a double's neighbours are not
        // equally far on both sides.
        for e in -1074..1024 {
            same_as_core(2f64.powi(e));
        }
    }

    #[test]
    fn random_numbers_read_as_core_writes() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..500 {
            same_as_core(f64::from_bits(next()));
        }
        // Credits, sizes, pixel offsets, CFG scales and times: the numbers
        // the app writes.
        for _ in 0..5_000 {
            let r = next();
            same_as_core((r % 10_000_000) as f64 / 100.0);
            same_as_core((r % 100_000) as f64 * (r >> 40) as f64 / 1e6);
            same_as_core((r % 4_000_000_000_000) as f64);
        }
        for cents in 0..5_000 {
            same_as_core(f64::from(cents) * 0.01);
            same_as_core(f64::from(cents) / 1_048_576.0);
        }
    }
}
