//! The 5×5 heat map as SVG shapes: one linked cell per likelihood × impact, coloured by the
//! level of its score, with its count.

use crate::domain::risk::{level, score, HeatMap, RiskLevel};

pub const CELL: i32 = 60;
pub const LEFT: i32 = 44;
pub const TOP: i32 = 8;

#[derive(Clone, Debug)]
pub struct Cell {
    pub likelihood: i32,
    pub impact: i32,
    pub count: i64,
    pub x: i32,
    pub y: i32,
    pub text_x: i32,
    pub text_y: i32,
    pub fill: &'static str,
    pub level: &'static str,
    /// The register filtered to this cell.
    pub href: String,
    /// "Likelihood 5, impact 4: 2 risks", in the reader's language.
    pub label: String,
}

#[derive(Clone, Debug)]
pub struct Axis {
    pub value: i32,
    pub x: i32,
    pub y: i32,
}

#[derive(Clone, Debug)]
pub struct HeatMapView {
    pub cells: Vec<Cell>,
    /// Impact 1–5 under the grid, likelihood 1–5 to its left.
    pub impact_ticks: Vec<Axis>,
    pub likelihood_ticks: Vec<Axis>,
    pub width: i32,
    pub height: i32,
    pub total: i64,
}

pub fn fill(level: RiskLevel) -> &'static str {
    match level {
        RiskLevel::Low => "#c8e6c9",
        RiskLevel::Medium => "#fff59d",
        RiskLevel::High => "#ffcc80",
        RiskLevel::Critical => "#ef9a9a",
    }
}

/// `base_query` holds the register's other filters (without likelihood and impact).
pub fn view(
    map: &HeatMap,
    base_query: &str,
    label: impl Fn(i32, i32, i64) -> String,
) -> HeatMapView {
    let mut cells = Vec::with_capacity(25);
    for likelihood in (1..=5).rev() {
        for impact in 1..=5 {
            let x = LEFT + (impact - 1) * CELL;
            let y = TOP + (5 - likelihood) * CELL;
            let lvl = level(score(likelihood, impact));
            let sep = if base_query.is_empty() { "" } else { "&" };
            let count = map.count(likelihood, impact);
            cells.push(Cell {
                likelihood,
                impact,
                count,
                label: label(likelihood, impact, count),
                x,
                y,
                text_x: x + CELL / 2,
                text_y: y + CELL / 2 + 6,
                fill: fill(lvl),
                level: lvl.as_str(),
                href: format!("/risks?{base_query}{sep}likelihood={likelihood}&impact={impact}"),
            });
        }
    }
    let impact_ticks = (1..=5)
        .map(|i| Axis {
            value: i,
            x: LEFT + (i - 1) * CELL + CELL / 2,
            y: TOP + 5 * CELL + 18,
        })
        .collect();
    let likelihood_ticks = (1..=5)
        .map(|l| Axis {
            value: l,
            x: LEFT - 12,
            y: TOP + (5 - l) * CELL + CELL / 2 + 5,
        })
        .collect();
    HeatMapView {
        cells,
        impact_ticks,
        likelihood_ticks,
        width: LEFT + 5 * CELL + 8,
        height: TOP + 5 * CELL + 44,
        total: map.total(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_placed_counted_coloured_and_linked() {
        let map = HeatMap::from_counts([(5, 4, 2), (1, 1, 1)]);
        let v = view(&map, "organisation_id=7", |l, i, n| format!("{l}/{i}/{n}"));
        assert_eq!(v.cells.len(), 25);
        assert_eq!(v.total, 3);
        let top_right = v
            .cells
            .iter()
            .find(|c| c.likelihood == 5 && c.impact == 5)
            .unwrap();
        assert_eq!((top_right.x, top_right.y), (LEFT + 4 * CELL, TOP));
        assert_eq!(top_right.level, "critical");
        let hot = v
            .cells
            .iter()
            .find(|c| c.likelihood == 5 && c.impact == 4)
            .unwrap();
        assert_eq!((hot.count, hot.label.as_str()), (2, "5/4/2"));
        assert_eq!(hot.href, "/risks?organisation_id=7&likelihood=5&impact=4");
        let cold = v
            .cells
            .iter()
            .find(|c| c.likelihood == 1 && c.impact == 1)
            .unwrap();
        assert_eq!((cold.level, cold.y), ("low", TOP + 4 * CELL));
        let plain = view(&map, "", |_, _, _| String::new());
        assert_eq!(plain.cells[0].href, "/risks?likelihood=5&impact=1");
    }
}
