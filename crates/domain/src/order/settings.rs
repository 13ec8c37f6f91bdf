//! What a service says about ordering it: limits, sizes and how its
//! orders are checked.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, ValidationErrors};

/// Limits and sizes of a service's orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct Ordering {
    /// The most of the service's unit one line may ask for.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000_000))]
    pub max_quantity: Option<u32>,
    /// Whether only whole units are sold (a box, not half of one); where a
    /// unit is a pack, whole packs only.
    pub whole_units: bool,
    /// One unit's volume in cubic centimetres, to say how large a delivery is.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000_000))]
    pub unit_volume_cm3: Option<u32>,
    /// One unit's weight in grams.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000_000))]
    pub unit_weight_g: Option<u32>,
    /// Units on one pallet.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000_000))]
    pub units_per_pallet: Option<u32>,
    /// How orders are checked against what a customer usually orders.
    pub check: CheckSettings,
}

impl Default for Ordering {
    fn default() -> Self {
        Self {
            max_quantity: None,
            whole_units: true,
            unit_volume_cm3: None,
            unit_weight_g: None,
            units_per_pallet: None,
            check: CheckSettings::default(),
        }
    }
}

/// The thresholds of the quantity check, per service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields, default)]
pub struct CheckSettings {
    /// Whether orders are checked at all.
    pub enabled: bool,
    /// Orders of a customer needed before their own history counts; with
    /// fewer, the item's typical quantity across customers is used.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub min_history: u8,
    /// How many times the usual quantity (or a fraction as small) a line
    /// must be to be questioned, in percent: 300 is three times.
    #[cfg_attr(feature = "openapi", schema(minimum = 110, maximum = 100_000))]
    pub ratio_percent: u32,
    /// How far from the median a line must also be, in median absolute
    /// deviations, in tenths: 30 is three deviations.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1_000))]
    pub spread_tenths: u16,
}

impl Default for CheckSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            min_history: 3,
            ratio_percent: 300,
            spread_tenths: 30,
        }
    }
}

/// The largest number any of the limits takes.
const MAX_LIMIT: u32 = 1_000_000_000;

impl Ordering {
    /// Checks the limits' ranges.
    pub fn checked(self) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let positive = |field: &str, v: Option<u32>| match v {
            Some(0) => Err(FieldError::new(field, "must be at least 1")),
            Some(v) if v > MAX_LIMIT => Err(FieldError::new(
                field,
                format!("must be at most {MAX_LIMIT}"),
            )),
            _ => Ok(()),
        };
        errors.check(positive("ordering.max_quantity", self.max_quantity));
        errors.check(positive("ordering.unit_volume_cm3", self.unit_volume_cm3));
        errors.check(positive("ordering.unit_weight_g", self.unit_weight_g));
        errors.check(positive("ordering.units_per_pallet", self.units_per_pallet));
        let c = self.check;
        if !(1..=100).contains(&c.min_history) {
            errors.push(FieldError::new(
                "ordering.check.min_history",
                "must be from 1 to 100",
            ));
        }
        if !(110..=100_000).contains(&c.ratio_percent) {
            errors.push(FieldError::new(
                "ordering.check.ratio_percent",
                "must be from 110 to 100000",
            ));
        }
        if c.spread_tenths > 1_000 {
            errors.push(FieldError::new(
                "ordering.check.spread_tenths",
                "must be at most 1000",
            ));
        }
        errors.into_result(self)
    }
}
