//! The state graph of a workflow laid out for drawing: states in columns by their distance from
//! the initial state, transitions as arrows. Pure geometry; `templates/workflow_diagram.html` draws
//! it as SVG on the server, with no external service.

use std::collections::BTreeMap;

use super::workflow::{Definition, StateKind};

/// The narrowest box; a box grows to its longest state name in either language.
const MIN_NODE_WIDTH: i32 = 156;
const NODE_HEIGHT: i32 = 44;
/// Space between columns, for the arrows and their badges.
const GAP: i32 = 80;
const ROW: i32 = 92;
const MARGIN: i32 = 36;
/// A state name's padding inside its box, each side.
const NODE_PADDING: i32 = 10;
/// The radius of an arrow's numbered badge. Actions are named in the legend under the diagram,
/// not on the arrows: long names on crossing arrows overlapped and ran out of the picture.
pub const BADGE_RADIUS: i32 = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub kind: StateKind,
    pub x: i32,
    pub y: i32,
    pub width: i32,
    pub height: i32,
    /// The state an application is in, when drawn for one.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The SVG path, from the edge of one box to the edge of the other.
    pub path: String,
    /// The badge's number, from 1, as the legend lists it.
    pub number: usize,
    pub label_zh: String,
    pub label_en: String,
    /// The states it joins (positions in [`Diagram::nodes`]).
    pub from: usize,
    pub to: usize,
    /// The centre of the numbered badge: on the arrow where it touches no box and no other
    /// badge, else moved clear of them.
    pub badge_x: i32,
    pub badge_y: i32,
    /// The cubic Bézier curve of the arrow: start, two control points, end.
    curve: [(i32, i32); 4],
}

/// One line of the legend: an action and the arrows that carry its number.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub number: usize,
    pub label_zh: String,
    pub label_en: String,
    /// The states it leaves (positions in [`Diagram::nodes`]), in order.
    pub from: Vec<usize>,
    pub to: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    pub width: i32,
    pub height: i32,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// The actions by number: arrows with the same action to the same state share a number
    /// (withdrawing, from wherever it is allowed, is one line).
    pub legend: Vec<LegendEntry>,
}

impl Diagram {
    /// A legend line's states: (the ones it leaves, the one it reaches).
    pub fn ends(&self, entry: &LegendEntry) -> (Vec<&Node>, &Node) {
        (
            entry.from.iter().map(|&i| &self.nodes[i]).collect(),
            &self.nodes[entry.to],
        )
    }
}

/// (from, to) positions in the node list.
type Ends = (usize, usize);
/// (Chinese, English).
type Label<'a> = (&'a str, &'a str);

/// How wide `text` is drawn at `font_size` px, at most: a Chinese character is a square, other
/// characters at most 0.62 of the size (wide capitals included, for a sans-serif font).
pub fn text_width(text: &str, font_size: i32) -> i32 {
    let em: f64 = text
        .chars()
        .map(|c| if c.is_ascii() { 0.62 } else { 1.0 })
        .sum();
    (em * f64::from(font_size)).ceil() as i32
}

/// The font size of state names.
pub const NAME_FONT_SIZE: i32 = 13;

/// Lays out `definition`, marking `current` (a state code) if given. Transitions with the same
/// ends share one arrow and one badge, their labels joined.
pub fn layout(definition: &Definition, current: Option<&str>) -> Diagram {
    let columns = columns(definition);
    let node_width = definition
        .states
        .iter()
        .flat_map(|s| [&s.name_zh, &s.name_en])
        .map(|name| text_width(name, NAME_FONT_SIZE) + 2 * NODE_PADDING)
        .fold(MIN_NODE_WIDTH, i32::max);
    let column_width = node_width + GAP;
    let mut rows_used: BTreeMap<usize, i32> = BTreeMap::new();
    let nodes: Vec<Node> = definition
        .states
        .iter()
        .map(|s| {
            let column = columns[s.code.as_str()];
            let row = rows_used.entry(column).or_insert(0);
            let node = Node {
                code: s.code.clone(),
                name_zh: s.name_zh.clone(),
                name_en: s.name_en.clone(),
                kind: s.kind,
                x: MARGIN + column as i32 * column_width,
                y: MARGIN + *row * ROW,
                width: node_width,
                height: NODE_HEIGHT,
                current: current == Some(s.code.as_str()),
            };
            *row += 1;
            node
        })
        .collect();
    let mut arrows: Vec<(Ends, Vec<Label<'_>>)> = Vec::new();
    for t in &definition.transitions {
        let Some(to) = nodes.iter().position(|n| n.code == t.to) else {
            continue;
        };
        for from in &t.from {
            let Some(from) = nodes.iter().position(|n| &n.code == from) else {
                continue;
            };
            let label = (t.label_zh.as_str(), t.label_en.as_str());
            match arrows.iter_mut().find(|(ends, _)| *ends == (from, to)) {
                Some((_, labels)) => labels.push(label),
                None => arrows.push(((from, to), vec![label])),
            }
        }
    }
    let mut edges: Vec<Edge> = Vec::new();
    let mut legend: Vec<LegendEntry> = Vec::new();
    for ((from, to), labels) in arrows {
        let label_zh = labels.iter().map(|l| l.0).collect::<Vec<_>>().join(" / ");
        let label_en = labels.iter().map(|l| l.1).collect::<Vec<_>>().join(" / ");
        let number = match legend
            .iter_mut()
            .find(|e| e.to == to && e.label_zh == label_zh && e.label_en == label_en)
        {
            Some(entry) => {
                entry.from.push(from);
                entry.number
            }
            None => {
                legend.push(LegendEntry {
                    number: legend.len() + 1,
                    label_zh: label_zh.clone(),
                    label_en: label_en.clone(),
                    from: vec![from],
                    to,
                });
                legend.len()
            }
        };
        let mut edge = edge(&nodes, from, to, label_zh, label_en, number);
        (edge.badge_x, edge.badge_y) = badge_spot(&nodes, &edges, &edge.curve);
        edges.push(edge);
    }
    let width = nodes
        .iter()
        .map(|n| n.x + n.width)
        .chain(edges.iter().map(|e| e.badge_x + BADGE_RADIUS))
        .max()
        .unwrap_or(0)
        + MARGIN;
    let height = nodes
        .iter()
        .map(|n| n.y + n.height + ROW / 2)
        .chain(edges.iter().map(|e| e.badge_y + BADGE_RADIUS))
        .max()
        .unwrap_or(0)
        + MARGIN;
    Diagram {
        width,
        height,
        nodes,
        edges,
        legend,
    }
}

/// The point at `t` (0 to 1) on a cubic Bézier curve.
fn point_on(curve: &[(i32, i32); 4], t: f64) -> (i32, i32) {
    let [p0, p1, p2, p3] = curve.map(|(x, y)| (f64::from(x), f64::from(y)));
    let u = 1.0 - t;
    let at = |a: f64, b: f64, c: f64, d: f64| {
        u * u * u * a + 3.0 * u * u * t * b + 3.0 * u * t * t * c + t * t * t * d
    };
    (
        at(p0.0, p1.0, p2.0, p3.0).round() as i32,
        at(p0.1, p1.1, p2.1, p3.1).round() as i32,
    )
}

/// Where an arrow's badge goes: the point on the arrow nearest its middle that touches no box
/// and no badge placed before; if the whole arrow is crowded, the nearest clear spot off it.
fn badge_spot(nodes: &[Node], edges: &[Edge], curve: &[(i32, i32); 4]) -> (i32, i32) {
    (0..=16)
        .map(|i| {
            let offset = f64::from((i + 1) / 2) * 0.05;
            if i % 2 == 0 {
                0.5 + offset
            } else {
                0.5 - offset
            }
        })
        .map(|t| point_on(curve, t))
        .find(|&spot| spot.1 > BADGE_RADIUS + 2 && !collides(nodes, edges, spot))
        .unwrap_or_else(|| clear_spot(nodes, edges, point_on(curve, 0.5)))
}

/// Whether a badge at `(x, y)` would touch a box or another badge (with a little air).
fn collides(nodes: &[Node], edges: &[Edge], (x, y): (i32, i32)) -> bool {
    let r = BADGE_RADIUS + 2;
    nodes
        .iter()
        .any(|n| x + r > n.x && x - r < n.x + n.width && y + r > n.y && y - r < n.y + n.height)
        || edges
            .iter()
            .any(|e| (e.badge_x - x).pow(2) + (e.badge_y - y).pow(2) < (2 * r).pow(2))
}

/// The spot nearest `wanted` where a badge touches nothing: tried downwards, then upwards, then
/// sideways, in steps of a badge.
fn clear_spot(nodes: &[Node], edges: &[Edge], wanted: (i32, i32)) -> (i32, i32) {
    let step = 2 * BADGE_RADIUS + 4;
    for distance in 0..40 {
        for (dx, dy) in [(0, 1), (0, -1), (1, 0), (-1, 0)] {
            let spot = (
                wanted.0 + dx * distance * step,
                (wanted.1 + dy * distance * step).max(BADGE_RADIUS + 2),
            );
            if !collides(nodes, edges, spot) {
                return spot;
            }
        }
    }
    wanted
}

/// Each state's column: its distance from the initial state along transitions; states that
/// cannot be reached go in a column of their own after the rest.
fn columns(definition: &Definition) -> BTreeMap<&str, usize> {
    let mut column: BTreeMap<&str, usize> = BTreeMap::new();
    let start = definition
        .states
        .iter()
        .find(|s| s.kind == StateKind::Initial)
        .or(definition.states.first());
    let mut frontier: Vec<&str> = start.map(|s| s.code.as_str()).into_iter().collect();
    for state in &frontier {
        column.insert(state, 0);
    }
    let mut depth = 0;
    while !frontier.is_empty() {
        depth += 1;
        let mut next = Vec::new();
        for state in &frontier {
            for t in definition
                .transitions
                .iter()
                .filter(|t| t.from.iter().any(|f| f == state))
            {
                if definition.state(&t.to).is_some() && !column.contains_key(t.to.as_str()) {
                    column.insert(t.to.as_str(), depth);
                    next.push(t.to.as_str());
                }
            }
        }
        frontier = next;
    }
    let last = column.values().max().map_or(0, |m| m + 1);
    for s in &definition.states {
        column.entry(s.code.as_str()).or_insert(last);
    }
    column
}

fn edge(
    nodes: &[Node],
    from: usize,
    to: usize,
    label_zh: String,
    label_en: String,
    number: usize,
) -> Edge {
    let (a, b) = (&nodes[from], &nodes[to]);
    let curve = if from == to {
        // A loop above the box.
        let (x, y) = (a.x + a.width / 2, a.y);
        [(x - 20, y), (x - 30, y - 34), (x + 30, y - 34), (x + 20, y)]
    } else if b.x > a.x {
        // Forward: from the right side to the left side.
        let (x1, y1) = (a.x + a.width, a.y + a.height / 2);
        let (x2, y2) = (b.x, b.y + b.height / 2);
        let middle = (x1 + x2) / 2;
        [(x1, y1), (middle, y1), (middle, y2), (x2, y2)]
    } else if b.x == a.x {
        // Within a column: out of the left side and back in, through the gap before it.
        let (x, y1, y2) = (a.x, a.y + a.height / 2, b.y + b.height / 2);
        let out = x - GAP / 2 + 8;
        [(x, y1), (out, y1), (out, y2), (x, y2)]
    } else {
        // Backward: below both boxes.
        let (x1, y1) = (a.x + a.width / 2, a.y + a.height);
        let (x2, y2) = (b.x + b.width / 2, b.y + b.height);
        let low = y1.max(y2) + ROW / 2;
        [(x1, y1), (x1, low), (x2, low), (x2, y2)]
    };
    let [p0, p1, p2, p3] = curve;
    Edge {
        path: format!(
            "M {} {} C {} {} {} {} {} {}",
            p0.0, p0.1, p1.0, p1.1, p2.0, p2.1, p3.0, p3.1
        ),
        number,
        label_zh,
        label_en,
        from,
        to,
        badge_x: 0,
        badge_y: 0,
        curve,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workflow::shipped;
    use std::collections::BTreeSet;

    #[test]
    fn states_are_placed_by_distance_and_every_transition_is_drawn() {
        let definition = shipped().into_iter().find(|d| d.key == "default").unwrap();
        let diagram = layout(&definition, Some("under_review"));
        let node = |code: &str| diagram.nodes.iter().find(|n| n.code == code).unwrap();
        assert!(node("submitted").x < node("accepted").x);
        assert!(node("accepted").x < node("under_review").x);
        assert!(node("under_review").current && !node("submitted").current);
        let labels: String = diagram.edges.iter().map(|e| e.label_en.clone()).collect();
        for t in &definition.transitions {
            assert!(labels.contains(&t.label_en), "{} is drawn", t.name);
        }
        let numbers: BTreeSet<usize> = diagram.edges.iter().map(|e| e.number).collect();
        assert_eq!(numbers, (1..=diagram.legend.len()).collect());
        let withdraw = diagram
            .legend
            .iter()
            .find(|e| e.label_en == "Withdraw the application")
            .unwrap();
        assert!(
            withdraw.from.len() >= 5,
            "one line for withdrawing from anywhere"
        );
    }

    /// What the issue saw: labels over each other and cut at the picture's edge. For every
    /// shipped workflow: no two boxes overlap, every name fits its box in both languages, no
    /// badge touches a box or another badge, and everything lies inside the picture.
    #[test]
    fn nothing_overlaps_or_is_cut_in_any_shipped_workflow() {
        for definition in shipped() {
            let d = layout(&definition, None);
            let key = &definition.key;
            for (i, a) in d.nodes.iter().enumerate() {
                for b in &d.nodes[i + 1..] {
                    let apart = a.x + a.width <= b.x
                        || b.x + b.width <= a.x
                        || a.y + a.height <= b.y
                        || b.y + b.height <= a.y;
                    assert!(apart, "{key}: boxes {} and {} overlap", a.code, b.code);
                }
                for name in [&a.name_zh, &a.name_en] {
                    assert!(
                        text_width(name, NAME_FONT_SIZE) + 2 * NODE_PADDING <= a.width,
                        "{key}: {name} is cut"
                    );
                }
                assert!(a.x >= 0 && a.y >= 0);
                assert!(a.x + a.width <= d.width && a.y + a.height <= d.height);
            }
            for (i, e) in d.edges.iter().enumerate() {
                assert!(
                    !collides(&d.nodes, &d.edges[..i], (e.badge_x, e.badge_y)),
                    "{key}: badge {} touches a box or an earlier badge",
                    e.number
                );
                let on_arrow = (0..=100).any(|t| {
                    let (x, y) = point_on(&e.curve, f64::from(t) / 100.0);
                    (x - e.badge_x).abs() <= 2 && (y - e.badge_y).abs() <= 2
                });
                assert!(on_arrow, "{key}: badge {} is off its arrow", e.number);
                assert!(
                    e.badge_x - BADGE_RADIUS >= 0
                        && e.badge_y - BADGE_RADIUS >= 0
                        && e.badge_x + BADGE_RADIUS <= d.width
                        && e.badge_y + BADGE_RADIUS <= d.height,
                    "{key}: badge {} is cut",
                    e.number
                );
            }
        }
    }

    #[test]
    fn a_long_name_widens_the_boxes_instead_of_running_out_of_them() {
        let mut definition = shipped().into_iter().find(|d| d.key == "default").unwrap();
        definition.states[1].name_en =
            "Waiting for the applicant's supplementary materials and corrections".into();
        let d = layout(&definition, None);
        let needed = text_width(&definition.states[1].name_en, NAME_FONT_SIZE);
        assert!(d.nodes.iter().all(|n| n.width >= needed + 2 * NODE_PADDING));
        assert!(text_width("受理", 13) == 26 && text_width("Accept", 10) == 38);
    }
}
