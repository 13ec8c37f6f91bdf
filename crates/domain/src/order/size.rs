//! How large a delivery is, in pallets, cubic metres and tonnes, from the
//! sizes a service records for one unit.

use super::MILLI;
use super::settings::Ordering;

/// "about 10 pallets, 4.2 m³, 1.1 t" for `milli` thousandths of the unit;
/// none when the service records no size.
pub fn delivery_size(milli: u64, ordering: &Ordering) -> Option<String> {
    let mut parts = Vec::new();
    let units = u128::from(milli);
    if let Some(per) = ordering.units_per_pallet {
        let pallets = units.div_ceil(u128::from(per) * u128::from(MILLI));
        let s = if pallets == 1 { "" } else { "s" };
        parts.push(format!("{pallets} pallet{s}"));
    }
    if let Some(cm3) = ordering.unit_volume_cm3 {
        // Thousandths of a unit times cm³, to m³ (10⁶ cm³) in one decimal.
        parts.push(format!(
            "{} m³",
            decimal(units * u128::from(cm3), 1_000_000_000)
        ));
    }
    if let Some(g) = ordering.unit_weight_g {
        let grams = units * u128::from(g) / u128::from(MILLI);
        parts.push(if grams >= 1_000_000 {
            format!("{} t", decimal(grams, 1_000_000))
        } else {
            format!("{} kg", decimal(grams, 1_000))
        });
    }
    (!parts.is_empty()).then(|| format!("about {}", parts.join(", ")))
}

/// `value / per` to one decimal, rounded half up ("4.2", "10", "0.1").
fn decimal(value: u128, per: u128) -> String {
    let tenths = (value * 10 + per / 2) / per;
    if tenths == 0 && value > 0 {
        return "under 0.1".to_owned();
    }
    match tenths % 10 {
        0 => format!("{}", tenths / 10),
        t => format!("{}.{t}", tenths / 10),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_thousand_boxes_is_ten_pallets() {
        let ordering = Ordering {
            unit_volume_cm3: Some(4_200),
            unit_weight_g: Some(1_100),
            units_per_pallet: Some(100),
            ..Ordering::default()
        };
        assert_eq!(
            delivery_size(1_000_000, &ordering).as_deref(),
            Some("about 10 pallets, 4.2 m³, 1.1 t")
        );
        assert_eq!(
            delivery_size(10_000, &ordering).as_deref(),
            Some("about 1 pallet, under 0.1 m³, 11 kg")
        );
        assert_eq!(delivery_size(10_000, &Ordering::default()), None);
    }
}
