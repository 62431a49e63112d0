//! The risk heat map as inline SVG: likelihood across, impact up, one cell per score pair,
//! each cell showing how many risks sit there and naming them in its tooltip.

use std::fmt::Write as _;

/// Band of a likelihood × impact score, used for colours and labels everywhere.
pub fn risk_level(score: i64) -> &'static str {
    match score {
        s if s >= 15 => "high",
        s if s >= 8 => "medium",
        s if s >= 4 => "low",
        _ => "minimal",
    }
}

/// `cells[likelihood-1][impact-1]` holds the ids of the risks with that pair.
pub fn heat_map(title: &str, cells: &[[Vec<String>; 5]; 5]) -> String {
    const CELL: i64 = 46;
    const LEFT: i64 = 34;
    const TOP: i64 = 8;
    let size = LEFT + CELL * 5 + 8;
    let height = TOP + CELL * 5 + 40;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="heatmap" viewBox="0 0 {size} {height}" width="{size}" height="{height}" role="img" aria-label="{title}"><title>{title}</title>"#
    );
    for impact in (1..=5).rev() {
        let y = TOP + (5 - impact) * CELL;
        let _ = write!(
            s,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{impact}</text>"#,
            LEFT - 12,
            y + CELL / 2 + 4
        );
        for likelihood in 1..=5 {
            let x = LEFT + (likelihood - 1) * CELL;
            let ids = &cells[(likelihood - 1) as usize][(impact - 1) as usize];
            let level = risk_level(likelihood * impact);
            let n = ids.len();
            let tip = if n == 0 {
                format!("likelihood {likelihood} × impact {impact}: no risks")
            } else {
                let shown: Vec<&str> = ids.iter().take(12).map(String::as_str).collect();
                let more = if n > 12 {
                    format!(" and {} more", n - 12)
                } else {
                    String::new()
                };
                format!("likelihood {likelihood} × impact {impact}: {}{more}", shown.join(", "))
            };
            let _ = write!(
                s,
                r#"<g class="cell {level}{}"><title>{}</title><rect x="{x}" y="{y}" width="{w}" height="{w}" rx="3"/>"#,
                if n == 0 { " empty" } else { "" },
                escape(&tip),
                w = CELL - 3
            );
            if n > 0 {
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle">{n}</text>"#,
                    x + (CELL - 3) / 2,
                    y + CELL / 2 + 4
                );
            }
            s.push_str("</g>");
        }
    }
    for likelihood in 1..=5 {
        let _ = write!(
            s,
            r#"<text class="axis" x="{}" y="{}" text-anchor="middle">{likelihood}</text>"#,
            LEFT + (likelihood - 1) * CELL + (CELL - 3) / 2,
            TOP + 5 * CELL + 14
        );
    }
    let _ = write!(
        s,
        r#"<text class="axis-label" x="{}" y="{}" text-anchor="middle">likelihood →</text><text class="axis-label" x="10" y="{}" text-anchor="middle" transform="rotate(-90 10 {})">impact →</text></svg>"#,
        LEFT + CELL * 5 / 2,
        TOP + 5 * CELL + 32,
        TOP + CELL * 5 / 2,
        TOP + CELL * 5 / 2
    );
    s
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_land_in_their_cells_and_ids_are_escaped() {
        let mut cells: [[Vec<String>; 5]; 5] = Default::default();
        cells[3][4] = vec!["R<1>".into(), "R2".into()];
        let svg = heat_map("Inherent risk", &cells);
        assert!(svg.contains("likelihood 4 × impact 5: R&lt;1&gt;, R2"));
        assert!(svg.contains(">2</text>"));
        assert_eq!(svg.matches("<rect").count(), 25);
    }
}
