//! Risks on CII assets: ratings, score, level, treatment; the 5×5 heat map's cells.

use super::string_enum;

string_enum!(
    /// `low` 1–4, `medium` 5–9, `high` 10–16, `critical` 20–25 (likelihood × impact).
    RiskLevel {
        Low => "low",
        Medium => "medium",
        High => "high",
        Critical => "critical",
    }
);

string_enum!(
    Treatment {
        Mitigate => "mitigate",
        Accept => "accept",
        Transfer => "transfer",
        Avoid => "avoid",
    }
);

string_enum!(
    /// Where an asset stands with one vulnerability.
    VulnerabilityStatus {
        Open => "open",
        Mitigated => "mitigated",
        Accepted => "accepted",
    }
);

/// A likelihood or impact rating: 1 (rare, negligible) to 5 (almost certain, severe).
pub fn parse_rating(value: i32) -> Result<i32, String> {
    if (1..=5).contains(&value) {
        Ok(value)
    } else {
        Err("must be from 1 to 5".into())
    }
}

/// Likelihood × impact, both already 1–5.
pub fn score(likelihood: i32, impact: i32) -> i32 {
    likelihood * impact
}

pub fn level(score: i32) -> RiskLevel {
    match score {
        ..=4 => RiskLevel::Low,
        5..=9 => RiskLevel::Medium,
        10..=16 => RiskLevel::High,
        _ => RiskLevel::Critical,
    }
}

/// The heat map: `counts[likelihood - 1][impact - 1]` risks in each cell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeatMap {
    pub counts: [[i64; 5]; 5],
}

impl HeatMap {
    /// From `(likelihood, impact, count)` rows; ratings outside 1–5 are ignored.
    pub fn from_counts(rows: impl IntoIterator<Item = (i32, i32, i64)>) -> Self {
        let mut map = Self::default();
        for (l, i, n) in rows {
            if (1..=5).contains(&l) && (1..=5).contains(&i) {
                map.counts[(l - 1) as usize][(i - 1) as usize] += n;
            }
        }
        map
    }

    pub fn count(&self, likelihood: i32, impact: i32) -> i64 {
        self.counts[(likelihood - 1) as usize][(impact - 1) as usize]
    }

    pub fn total(&self) -> i64 {
        self.counts.iter().flatten().sum()
    }
}

/// How pressing an asset's open vulnerability is: its criticality (1–4) times 1 for a known
/// exploited one, else times its EPSS probability (0 when unknown). In millionths, for sorting.
pub fn exposure_weight(criticality: i32, kev: bool, epss_ppm: Option<i32>) -> i64 {
    let likelihood = if kev {
        1_000_000
    } else {
        i64::from(epss_ppm.unwrap_or(0).clamp(0, 1_000_000))
    };
    i64::from(criticality) * likelihood
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_levels_follow_the_bands() {
        assert_eq!(score(1, 1), 1);
        assert_eq!(score(5, 5), 25);
        assert_eq!(level(1), RiskLevel::Low);
        assert_eq!(level(4), RiskLevel::Low);
        assert_eq!(level(5), RiskLevel::Medium);
        assert_eq!(level(9), RiskLevel::Medium);
        assert_eq!(level(10), RiskLevel::High);
        assert_eq!(level(16), RiskLevel::High);
        assert_eq!(level(20), RiskLevel::Critical);
        assert_eq!(level(25), RiskLevel::Critical);
        // Every cell of the grid lands in exactly one band.
        for l in 1..=5 {
            for i in 1..=5 {
                let s = score(l, i);
                assert!(RiskLevel::ALL.contains(&level(s)));
            }
        }
    }

    #[test]
    fn ratings_are_one_to_five() {
        assert_eq!(parse_rating(1), Ok(1));
        assert_eq!(parse_rating(5), Ok(5));
        assert!(parse_rating(0).is_err());
        assert!(parse_rating(6).is_err());
        assert!(Treatment::parse("ignore").is_err());
        assert_eq!(
            VulnerabilityStatus::parse("mitigated"),
            Ok(VulnerabilityStatus::Mitigated)
        );
    }

    #[test]
    fn the_heat_map_counts_cells() {
        let map = HeatMap::from_counts([(5, 4, 2), (1, 1, 1), (5, 4, 1), (0, 3, 9)]);
        assert_eq!(map.count(5, 4), 3);
        assert_eq!(map.count(1, 1), 1);
        assert_eq!(map.count(3, 3), 0);
        assert_eq!(map.total(), 4);
    }

    #[test]
    fn known_exploited_outweighs_any_epss() {
        assert_eq!(exposure_weight(4, true, None), 4_000_000);
        assert_eq!(exposure_weight(4, false, Some(970_000)), 3_880_000);
        assert!(exposure_weight(1, true, None) > exposure_weight(1, false, Some(999_999)));
        assert_eq!(exposure_weight(3, false, None), 0);
    }
}
