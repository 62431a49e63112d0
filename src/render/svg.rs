//! The risk heat map as inline SVG: likelihood across, impact up, one cell per score pair,
//! each cell showing how many risks sit there and naming them in its tooltip. A cell with risks
//! is a link to the risk register filtered to them, so keyboard, touch and screen-reader users
//! reach what the tooltip only shows to a mouse.

use std::fmt::Write as _;

use crate::model::assess::RiskLevel;

/// `cells[likelihood-1][impact-1]` holds the level of that score (from the model's heat grid,
/// on the organisation's scale and criteria) and the ids of the risks scored there.
/// `register` is the risk register's address and `name` the register's heat map that a cell
/// link selects there (`inherent` or `residual`).
pub fn heat_map(title: &str, cells: &[Vec<(RiskLevel, Vec<String>)>], register: &str, name: &str) -> String {
    let n = cells.len() as i64;
    // The map keeps its size whatever the scale: cells shrink as the scale grows.
    let cell: i64 = (230 / n).max(20);
    const LEFT: i64 = 34;
    const TOP: i64 = 8;
    let size = LEFT + cell * n + 8;
    let height = TOP + cell * n + 40;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="heatmap" viewBox="0 0 {size} {height}" width="{size}" height="{height}" role="group" aria-label="{title}"><title>{title}</title>"#
    );
    for impact in (1..=n).rev() {
        let y = TOP + (n - impact) * cell;
        let _ = write!(
            s,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{impact}</text>"#,
            LEFT - 12,
            y + cell / 2 + 4
        );
        for likelihood in 1..=n {
            let x = LEFT + (likelihood - 1) * cell;
            let Some((level, ids)) = cells
                .get((likelihood - 1) as usize)
                .and_then(|row| row.get((impact - 1) as usize))
            else {
                continue;
            };
            let level = level.as_str();
            let n = ids.len();
            // At most twelve ids are named; a crowded cell says how many more it holds.
            let named = {
                let mut named = ids.iter().take(12).map(String::as_str).collect::<Vec<_>>().join(", ");
                if n > 12 {
                    let _ = write!(named, " and {} more", n - 12);
                }
                named
            };
            let tip = if n == 0 {
                format!("likelihood {likelihood} × impact {impact}: no risks")
            } else {
                format!("likelihood {likelihood} × impact {impact}: {named}")
            };
            let w = cell - 3;
            if n == 0 {
                let _ = write!(
                    s,
                    r#"<g class="cell {level} empty"><title>{}</title><rect x="{x}" y="{y}" width="{w}" height="{w}" rx="3"/>"#,
                    escape(&tip),
                );
            } else {
                let _ = write!(
                    s,
                    r##"<a class="cell {level}" href="{register}#heat-{name}-{likelihood}x{impact}" aria-label="{}"><title>{}</title><rect x="{x}" y="{y}" width="{w}" height="{w}" rx="3"/><text x="{}" y="{}" text-anchor="middle">{n}</text>"##,
                    // The name starts with the count the cell shows (WCAG 2.5.3).
                    escape(&format!(
                        "{n} {name} risk{} at likelihood {likelihood} × impact {impact} ({}): show in the risk register",
                        if n == 1 { "" } else { "s" },
                        named
                    )),
                    escape(&tip),
                    x + w / 2,
                    y + cell / 2 + 4
                );
            }
            s.push_str(if n == 0 { "</g>" } else { "</a>" });
        }
    }
    for likelihood in 1..=n {
        let _ = write!(
            s,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{likelihood}</text>"#,
            LEFT + (likelihood - 1) * cell + (cell - 3) / 2,
            TOP + n * cell + 14
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{}" y="{}" text-anchor="middle">likelihood →</text><text class="axis-label" x="10" y="{}" text-anchor="middle" transform="rotate(-90 10 {})">impact →</text></svg>"#,
        LEFT + cell * n / 2,
        TOP + n * cell + 32,
        TOP + cell * n / 2,
        TOP + cell * n / 2
    );
    s
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    // Writing to a String cannot fail.
    let _ = pulldown_cmark_escape::escape_html(&mut out, s);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(levels: &[&[RiskLevel]]) -> Vec<Vec<(RiskLevel, Vec<String>)>> {
        levels
            .iter()
            .map(|row| row.iter().map(|&l| (l, Vec::new())).collect())
            .collect()
    }

    #[test]
    fn counts_land_in_their_cells_and_ids_are_escaped() {
        use RiskLevel::*;
        let row: &[RiskLevel] = &[Low, Low, Medium, High, High];
        let mut cells = grid(&[row; 5]);
        cells[3][4].1 = vec!["R<1>".into(), "R2".into()];
        let svg = heat_map("Inherent risk", &cells, "registers/risks.html", "inherent");
        assert!(svg.contains("likelihood 4 × impact 5: R&lt;1&gt;, R2"));
        assert!(svg.contains(">2</text>"));
        assert_eq!(svg.matches("<rect").count(), 25);
        assert!(
            svg.contains(r#"<a class="cell high" href="registers/risks.html#heat-inherent-4x5""#),
            "the cell takes the model's level and links to its risks: {svg}"
        );
        assert_eq!(svg.matches("<a ").count(), 1, "empty cells are no links");
    }

    #[test]
    fn the_grid_sets_the_scale_and_each_cell_its_colour() {
        use RiskLevel::*;
        let cells = grid(&[&[Minimal, Low, Medium], &[Low, Medium, Medium], &[Medium, Medium, High]]);
        let svg = heat_map("Inherent risk", &cells, "registers/risks.html", "inherent");
        assert_eq!(svg.matches("<rect").count(), 9);
        assert_eq!(svg.matches("cell high").count(), 1);
        assert_eq!(svg.matches("cell minimal").count(), 1);
    }
}
