//! The report as one self-contained HTML page: inline CSS and inline SVG, no script, no
//! font or image fetched from anywhere. Per procedure a funnel (offered → clicked →
//! completed) and how the runs ended; at the top the conversations' escalation share.

use std::fmt::Write;

use super::aggregate::{ProcedureStats, Summary};
use super::table::{duration, percent, plural};

const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;background:#f4f5fa;color:#1f2937;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 28px 48px}
h1{font-size:26px;margin:0 0 4px}
.sub{color:#6b7280;margin:0 0 24px}
.kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:16px;margin-bottom:28px}
.kpi,.card{background:#fff;border-radius:14px;box-shadow:0 1px 3px rgba(15,23,42,.08),0 4px 14px rgba(15,23,42,.04)}
.kpi{padding:16px 18px;display:flex;align-items:center;gap:14px}
.kpi .v{font-size:28px;font-weight:700}
.kpi .l{color:#6b7280;font-size:13px;text-transform:uppercase;letter-spacing:.04em}
.grid{display:grid;grid-template-columns:repeat(2,1fr);gap:18px}
.card{padding:18px 20px}
.card h2{font-size:17px;margin:0 0 2px;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.card .meta{color:#6b7280;font-size:13px;margin-bottom:10px}
.badge{display:inline-block;font-size:11px;font-weight:600;padding:2px 8px;border-radius:99px;background:#fde68a;color:#92400e;margin-left:8px;vertical-align:2px;font-family:system-ui,sans-serif}
.stats{display:flex;gap:18px;flex-wrap:wrap;font-size:13px;color:#374151;margin-top:8px}
.stats b{font-size:15px}
.dot{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:5px}
svg text{font-family:system-ui,sans-serif}
svg.funnel{display:block;width:100%;height:auto}
svg.outcomes{display:block;width:100%;height:14px}
.bar{border-radius:7px;overflow:hidden;margin-top:14px}
.grid>*{min-width:0}
footer{color:#9ca3af;font-size:12px;margin-top:28px}
";

/// Outcome colours: completed, failed, cancelled, denied, unfinished.
const OUTCOMES: [(&str, &str); 5] = [
    ("completed", "#10b981"),
    ("failed", "#ef4444"),
    ("cancelled", "#9ca3af"),
    ("denied", "#f59e0b"),
    ("unfinished", "#e5e7eb"),
];

/// The page for `summary`, read from `files`.
pub(crate) fn page(summary: &Summary, files: &[String]) -> String {
    let mut html = String::new();
    let clicked: u64 = summary.procedures.iter().map(|p| p.clicked).sum();
    let completed: u64 = summary.procedures.iter().map(|p| p.completed).sum();
    let overall = (clicked > 0).then(|| completed as f64 / clicked as f64);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>Procedure report</title><style>{STYLE}</style></head><body><main>\n\
         <h1>Procedure report</h1><p class=\"sub\">{} conversation{} · {} event{} · {}</p>\n\
         <section class=\"kpis\">",
        summary.conversations,
        plural(summary.conversations),
        summary.events,
        plural(summary.events),
        escape(&files.join(", "))
    );
    kpi(
        &mut html,
        &summary.conversations.to_string(),
        "conversations",
        None,
    );
    kpi(&mut html, &clicked.to_string(), "procedures run", None);
    kpi(
        &mut html,
        &percent(overall),
        "completed of clicked",
        Some((overall.unwrap_or(0.0), "#10b981")),
    );
    kpi(
        &mut html,
        &percent(summary.escalation_share),
        &format!(
            "escalated ({} of {})",
            summary.escalated_conversations, summary.conversations
        ),
        Some((summary.escalation_share.unwrap_or(0.0), "#f59e0b")),
    );
    html.push_str("</section>\n<section class=\"grid\">\n");
    for stats in &summary.procedures {
        card(&mut html, stats, summary.conversations);
    }
    html.push_str(
        "</section>\n<footer>Made by <code>procc report</code>. Completion rate = completed ÷ \
         clicked; the small percentages are of the funnel's step above; an escalation is a \
         completed run of an escalation procedure.</footer>\n\
         </main></body></html>\n",
    );
    html
}

/// One headline number, with a ring showing `share` when given.
fn kpi(html: &mut String, value: &str, label: &str, ring: Option<(f64, &str)>) {
    html.push_str("<div class=\"kpi\">");
    if let Some((share, colour)) = ring {
        let circumference = 2.0 * std::f64::consts::PI * 22.0;
        let filled = share.clamp(0.0, 1.0) * circumference;
        let _ = write!(
            html,
            "<svg width=\"56\" height=\"56\" viewBox=\"0 0 56 56\" aria-hidden=\"true\">\
             <circle cx=\"28\" cy=\"28\" r=\"22\" fill=\"none\" stroke=\"#eef0f5\" stroke-width=\"8\"/>\
             <circle cx=\"28\" cy=\"28\" r=\"22\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"8\" \
             stroke-linecap=\"butt\" stroke-dasharray=\"{filled:.2} {circumference:.2}\" \
             transform=\"rotate(-90 28 28)\"/></svg>"
        );
    }
    let _ = write!(
        html,
        "<div><div class=\"v\">{}</div><div class=\"l\">{}</div></div></div>",
        escape(value),
        escape(label)
    );
}

/// One procedure's card: funnel, outcomes, figures.
fn card(html: &mut String, p: &ProcedureStats, conversations: u64) {
    let badge = if p.escalations > 0 {
        "<span class=\"badge\">escalation</span>"
    } else {
        ""
    };
    let _ = write!(
        html,
        "<article class=\"card\"><h2>{}{badge}</h2><div class=\"meta\">completion {} · \
         median click→done {}</div>",
        escape(&p.procedure),
        percent(p.completion_rate),
        duration(p.median_click_to_done_ms)
    );
    funnel(html, p);
    outcomes(html, p);
    let share = (conversations > 0).then(|| p.escalations as f64 / conversations as f64);
    let _ = writeln!(
        html,
        "<div class=\"stats\"><span><b>{}</b> dismissed</span><span><b>{}</b> escalation{} \
         ({} of conversations)</span></div></article>",
        p.dismissed,
        p.escalations,
        plural(p.escalations),
        percent(share)
    );
}

/// Offered → clicked → completed as centred bars joined by shaded trapezoids.
fn funnel(html: &mut String, p: &ProcedureStats) {
    const WIDTH: f64 = 460.0;
    const LABELS: f64 = 80.0;
    const AREA: f64 = 280.0;
    const BAR: f64 = 30.0;
    const GAP: f64 = 18.0;
    let steps = [
        ("offered", p.offered, "#6366f1"),
        ("clicked", p.clicked, "#0ea5e9"),
        ("completed", p.completed, "#10b981"),
    ];
    let max = steps.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
    let centre = LABELS + AREA / 2.0;
    let height = 3.0 * BAR + 2.0 * GAP;
    let _ = write!(
        html,
        "<svg class=\"funnel\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"funnel: offered {}, clicked {}, completed {}\">",
        p.offered, p.clicked, p.completed
    );
    let widths: Vec<f64> = steps
        .iter()
        .map(|s| (s.1 as f64 / max * AREA).max(if s.1 > 0 { 4.0 } else { 1.0 }))
        .collect();
    for (i, ((label, count, colour), width)) in steps.iter().zip(&widths).enumerate() {
        let y = i as f64 * (BAR + GAP);
        if let Some(next) = widths.get(i + 1) {
            let (y1, y2) = (y + BAR, y + BAR + GAP);
            let _ = write!(
                html,
                "<polygon points=\"{:.1},{y1} {:.1},{y1} {:.1},{y2} {:.1},{y2}\" fill=\"{colour}\" \
                 opacity=\"0.16\"/>",
                centre - width / 2.0,
                centre + width / 2.0,
                centre + next / 2.0,
                centre - next / 2.0
            );
        }
        let _ = write!(
            html,
            "<rect x=\"{:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"{BAR}\" rx=\"5\" \
             fill=\"{colour}\"/><text x=\"0\" y=\"{:.1}\" font-size=\"13\" fill=\"#6b7280\">{label}</text>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"15\" font-weight=\"700\" fill=\"#111827\">{count}</text>",
            centre - width / 2.0,
            y + BAR / 2.0 + 4.5,
            LABELS + AREA + 14.0,
            y + BAR / 2.0 + 5.0
        );
        if i > 0
            && let Some((_, previous, _)) = steps.get(i - 1)
        {
            let rate = (*previous > 0).then(|| *count as f64 / *previous as f64);
            let _ = write!(
                html,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" fill=\"#9ca3af\">{}<title>{} of {}</title></text>",
                LABELS + AREA + 52.0,
                y + BAR / 2.0 + 4.5,
                percent(rate),
                percent(rate),
                steps.get(i - 1).map_or("", |s| s.0)
            );
        }
    }
    html.push_str("</svg>");
}

/// How the runs ended: one stacked bar and its legend.
fn outcomes(html: &mut String, p: &ProcedureStats) {
    let ended = p.completed + p.failed + p.cancelled + p.denied;
    let counts = [
        p.completed,
        p.failed,
        p.cancelled,
        p.denied,
        p.clicked.saturating_sub(ended),
    ];
    let total: u64 = counts.iter().sum();
    const WIDTH: f64 = 480.0;
    let _ = write!(
        html,
        "<div class=\"bar\"><svg class=\"outcomes\" viewBox=\"0 0 {WIDTH} 14\" preserveAspectRatio=\"none\" role=\"img\" \
         aria-label=\"outcomes\"><rect width=\"{WIDTH}\" height=\"14\" \
         rx=\"7\" fill=\"#f3f4f6\"/>"
    );
    let mut x = 0.0;
    for ((_, colour), count) in OUTCOMES.iter().zip(counts) {
        if total == 0 || count == 0 {
            continue;
        }
        let width = count as f64 / total as f64 * WIDTH;
        let _ = write!(
            html,
            "<rect x=\"{x:.1}\" width=\"{width:.1}\" height=\"14\" fill=\"{colour}\"/>"
        );
        x += width;
    }
    html.push_str("</svg></div><div class=\"stats\">");
    for ((name, colour), count) in OUTCOMES.iter().zip(counts) {
        if *name == "unfinished" && count == 0 {
            continue;
        }
        let _ = write!(
            html,
            "<span><i class=\"dot\" style=\"background:{colour}\"></i><b>{count}</b> {name}</span>"
        );
    }
    html.push_str("</div>");
}

/// Text safe inside HTML elements and attributes.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href='x'>&\""),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;"
        );
    }

    #[test]
    fn page_is_self_contained() {
        let summary = Summary {
            events: 3,
            conversations: 1,
            procedures: vec![ProcedureStats {
                procedure: "p".into(),
                offered: 2,
                clicked: 1,
                completed: 1,
                ..ProcedureStats::default()
            }],
            ..Summary::default()
        };
        let html = page(&summary, &["<log>".into()]);
        assert!(html.contains("&lt;log&gt;"));
        assert!(html.contains("<svg"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
