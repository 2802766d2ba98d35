//! Charts as geometry: bars (stacked or not) and lines with labelled axes, computed here and
//! drawn as inline SVG by `web/templates/stats/chart.html`. No JavaScript and no font files:
//! the browser draws the text with the page's own fonts, and colours come from classes in
//! `app.css` (the Content-Security-Policy allows no inline styles).

/// Size of every chart's drawing, in SVG user units; it scales to the page width.
pub const WIDTH: f64 = 720.0;
pub const HEIGHT: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 84.0;

#[derive(Clone, Debug)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub class: String,
    /// Shown as a tooltip: "label: value".
    pub title: String,
}

#[derive(Clone, Debug)]
pub struct Line {
    pub points: String,
    pub class: String,
}

#[derive(Clone, Debug)]
pub struct Tick {
    pub x: f64,
    pub y: f64,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct LegendItem {
    pub x: f64,
    pub class: String,
    pub text: String,
}

/// One series: a CSS class (colour), its name, and a value per x category.
#[derive(Clone, Debug)]
pub struct Series {
    pub class: String,
    pub label: String,
    pub values: Vec<f64>,
}

#[derive(Clone, Debug)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub rects: Vec<Rect>,
    pub lines: Vec<Line>,
    pub x_ticks: Vec<Tick>,
    pub y_ticks: Vec<Tick>,
    pub legend: Vec<LegendItem>,
    /// Many categories: the labels under the axis are slanted and shortened (the full name is
    /// in each bar's tooltip and in the table beneath).
    pub slanted: bool,
    /// The plot area's corners, for the axis lines.
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    pub width: f64,
    pub height: f64,
    pub x_label_x: f64,
    pub x_label_y: f64,
    pub y_label_x: f64,
    pub y_label_y: f64,
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A round upper bound for the y axis and its tick step (1, 2 or 5 times a power of ten).
fn scale(max: f64) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 1.0);
    }
    let rough = max / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let step = if max >= 1.0 { step.max(1.0) } else { step };
    ((max / step).ceil() * step, step)
}

fn tick_text(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

impl Chart {
    fn frame(id: &str, title: String, x_label: String, y_label: String) -> Self {
        Chart {
            id: id.to_owned(),
            title,
            x_label,
            y_label,
            rects: Vec::new(),
            lines: Vec::new(),
            x_ticks: Vec::new(),
            y_ticks: Vec::new(),
            legend: Vec::new(),
            slanted: false,
            x0: LEFT,
            x1: WIDTH - RIGHT,
            y0: TOP,
            y1: HEIGHT - BOTTOM,
            width: WIDTH,
            height: HEIGHT,
            x_label_x: (LEFT + WIDTH - RIGHT) / 2.0,
            x_label_y: HEIGHT - 8.0,
            y_label_x: 14.0,
            y_label_y: TOP + (HEIGHT - BOTTOM - TOP) / 2.0,
        }
    }

    fn axes(&mut self, categories: &[String], max: f64) -> (f64, f64) {
        let (top, step) = scale(max);
        let mut v = 0.0;
        while v <= top + step / 2.0 {
            let y = self.y1 - (self.y1 - self.y0) * v / top;
            self.y_ticks.push(Tick {
                x: self.x0 - 6.0,
                y: round(y),
                text: tick_text(v),
            });
            v += step;
        }
        let slot = (self.x1 - self.x0) / categories.len().max(1) as f64;
        // At most ~12 labels under the axis, evenly spaced.
        let every = categories.len().div_ceil(12).max(1);
        let widest = categories
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0);
        self.slanted = widest as f64 * 7.0 > slot * every as f64;
        for (i, label) in categories.iter().enumerate() {
            if i % every == 0 {
                let text = if self.slanted && label.chars().count() > 16 {
                    format!("{}…", label.chars().take(15).collect::<String>())
                } else {
                    label.clone()
                };
                self.x_ticks.push(Tick {
                    x: round(self.x0 + slot * (i as f64 + 0.5)),
                    y: self.y1 + 16.0,
                    text,
                });
            }
        }
        (slot, top)
    }

    fn add_legend(&mut self, series: &[Series]) {
        if series.len() < 2 {
            return;
        }
        let mut x = self.x0;
        for s in series {
            self.legend.push(LegendItem {
                x,
                class: s.class.clone(),
                text: s.label.clone(),
            });
            x += 24.0 + 7.5 * s.label.chars().count() as f64;
        }
    }

    /// Bars per category, the series stacked on each other (one series: plain bars).
    pub fn bars(
        id: &str,
        title: String,
        (x_label, y_label): (String, String),
        categories: &[String],
        series: &[Series],
    ) -> Self {
        let mut chart = Self::frame(id, title, x_label, y_label);
        let total = |i: usize| series.iter().map(|s| s.values[i]).sum::<f64>();
        let max = (0..categories.len()).map(total).fold(0.0, f64::max);
        let (slot, top) = chart.axes(categories, max);
        let width = (slot * 0.7).max(1.0);
        for (i, category) in categories.iter().enumerate() {
            let mut base = 0.0;
            for s in series {
                let v = s.values[i];
                if v <= 0.0 {
                    continue;
                }
                let y_top = chart.y1 - (chart.y1 - chart.y0) * (base + v) / top;
                let y_bottom = chart.y1 - (chart.y1 - chart.y0) * base / top;
                chart.rects.push(Rect {
                    x: round(chart.x0 + slot * i as f64 + (slot - width) / 2.0),
                    y: round(y_top),
                    w: round(width),
                    h: round(y_bottom - y_top),
                    class: s.class.clone(),
                    title: format!("{category} — {}: {}", s.label, tick_text(v)),
                });
                base += v;
            }
        }
        chart.add_legend(series);
        chart
    }

    /// One line per series over the categories; gaps (`NaN`) break nothing, the point is left out.
    pub fn lines(
        id: &str,
        title: String,
        (x_label, y_label): (String, String),
        categories: &[String],
        series: &[Series],
    ) -> Self {
        let mut chart = Self::frame(id, title, x_label, y_label);
        let max = series
            .iter()
            .flat_map(|s| s.values.iter().copied())
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        let (slot, top) = chart.axes(categories, max);
        for s in series {
            let points: Vec<String> = s
                .values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(|(i, v)| {
                    let x = round(chart.x0 + slot * (i as f64 + 0.5));
                    let y = round(chart.y1 - (chart.y1 - chart.y0) * v / top);
                    chart.rects.push(Rect {
                        x: x - 2.5,
                        y: y - 2.5,
                        w: 5.0,
                        h: 5.0,
                        class: s.class.clone(),
                        title: format!("{} — {}: {}", categories[i], s.label, tick_text(round(*v))),
                    });
                    format!("{x},{y}")
                })
                .collect();
            chart.lines.push(Line {
                points: points.join(" "),
                class: s.class.clone(),
            });
        }
        chart.add_legend(series);
        chart
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_round_up_to_a_readable_scale() {
        assert_eq!(scale(0.0), (1.0, 1.0));
        assert_eq!(scale(7.0), (8.0, 2.0));
        assert_eq!(scale(130.0), (150.0, 50.0));
        assert_eq!(scale(3.0), (3.0, 1.0));
    }

    #[test]
    fn stacked_bars_reach_the_total() {
        let series = vec![
            Series {
                class: "a".into(),
                label: "A".into(),
                values: vec![2.0, 0.0],
            },
            Series {
                class: "b".into(),
                label: "B".into(),
                values: vec![2.0, 1.0],
            },
        ];
        let chart = Chart::bars(
            "c",
            "T".into(),
            ("x".into(), "y".into()),
            &["d1".into(), "d2".into()],
            &series,
        );
        assert_eq!(chart.rects.len(), 3);
        // The first day's two pieces stack up to the top of the scale (4).
        let top = chart.rects[1].y;
        assert_eq!(top, chart.y0);
        assert_eq!(chart.legend.len(), 2);
        assert_eq!(chart.x_ticks.len(), 2);
    }
}
