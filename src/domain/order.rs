//! Sorting by a number, through one copy of the standard library's sort.
//!
//! Every `sort_by` with its own element type or comparator is a copy of
//! the sort's code in the wasm (driftsort: about 4 KB each before
//! wasm-opt). The app sorts jobs, spans, readings and durations by a
//! number: here they share one copy, sorting (key, index) pairs.

/// Sorts `items` by `key`, smallest first (`f64::total_cmp`); items with
/// equal keys keep their order.
pub fn sort_by_number<T>(items: &mut Vec<T>, key: impl Fn(&T) -> f64) {
    let mut keyed: Vec<(f64, usize)> = items
        .iter()
        .enumerate()
        .map(|(i, item)| (key(item), i))
        .collect();
    sort_pairs(&mut keyed);
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(keyed.into_iter().filter_map(|(_, i)| slots[i].take()));
}

/// The median of `values` (the lower one of the middle two), or `None`.
pub fn lower_median(mut values: Vec<f64>) -> Option<f64> {
    sort_by_number(&mut values, |v| *v);
    values.get(values.len().checked_sub(1)? / 2).copied()
}

// Not inlined: the one instance of the sort every caller shares.
#[inline(never)]
fn sort_pairs(pairs: &mut [(f64, usize)]) {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_by_the_key_and_keeps_ties_in_order() {
        let mut v = vec![
            ("c", 3.0),
            ("a", 1.0),
            ("b1", 2.0),
            ("z", -1.0),
            ("b2", 2.0),
        ];
        sort_by_number(&mut v, |x| x.1);
        let names: Vec<&str> = v.iter().map(|x| x.0).collect();
        assert_eq!(names, ["z", "a", "b1", "b2", "c"]);
    }

    #[test]
    fn a_long_list_ends_sorted_with_nothing_lost() {
        let mut v: Vec<u64> = (0..5_000u64).map(|i| (i * 7_919) % 5_003).collect();
        let mut expected = v.clone();
        expected.sort();
        sort_by_number(&mut v, |x| *x as f64);
        assert_eq!(v, expected);
        let mut empty: Vec<u64> = Vec::new();
        sort_by_number(&mut empty, |x| *x as f64);
        assert!(empty.is_empty());
    }

    #[test]
    fn the_lower_median() {
        assert_eq!(lower_median(vec![]), None);
        assert_eq!(lower_median(vec![5.0]), Some(5.0));
        assert_eq!(lower_median(vec![4.0, 1.0, 3.0, 2.0]), Some(2.0));
        assert_eq!(lower_median(vec![9.0, 1.0, 3.0]), Some(3.0));
    }
}
