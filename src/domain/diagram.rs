//! The state graph of a workflow laid out for drawing: states in columns by their distance from
//! the initial state, transitions as arrows. Pure geometry; `templates/admin/diagram.svg` draws
//! it as SVG on the server, with no external service.

use std::collections::BTreeMap;

use super::workflow::{Definition, StateKind};

const NODE_WIDTH: i32 = 156;
const NODE_HEIGHT: i32 = 44;
const COLUMN: i32 = 236;
const ROW: i32 = 92;
const MARGIN: i32 = 36;

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
    pub label_zh: String,
    pub label_en: String,
    pub label_x: i32,
    pub label_y: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Diagram {
    pub width: i32,
    pub height: i32,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// (from, to) positions in the node list.
type Ends = (usize, usize);
/// (Chinese, English).
type Label<'a> = (&'a str, &'a str);

/// Lays out `definition`, marking `current` (a state code) if given. Transitions with the same
/// ends share one arrow, their labels joined.
pub fn layout(definition: &Definition, current: Option<&str>) -> Diagram {
    let columns = columns(definition);
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
                x: MARGIN + column as i32 * COLUMN,
                y: MARGIN + *row * ROW,
                width: NODE_WIDTH,
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
    let edges = arrows
        .into_iter()
        .map(|((from, to), labels)| edge(&nodes[from], &nodes[to], &labels))
        .collect();
    let width = nodes.iter().map(|n| n.x + n.width).max().unwrap_or(0) + MARGIN;
    let height = nodes.iter().map(|n| n.y + n.height).max().unwrap_or(0) + MARGIN + ROW / 2;
    Diagram {
        width,
        height,
        nodes,
        edges,
    }
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

fn edge(from: &Node, to: &Node, labels: &[Label<'_>]) -> Edge {
    let label_zh = labels.iter().map(|l| l.0).collect::<Vec<_>>().join(" / ");
    let label_en = labels.iter().map(|l| l.1).collect::<Vec<_>>().join(" / ");
    let (path, label_x, label_y) = if from.code == to.code {
        // A loop above the box.
        let (x, y) = (from.x + from.width / 2, from.y);
        (
            format!(
                "M {} {y} C {} {} {} {} {} {y}",
                x - 20,
                x - 30,
                y - 34,
                x + 30,
                y - 34,
                x + 20
            ),
            x,
            y - 30,
        )
    } else if to.x > from.x {
        // Forward: from the right side to the left side.
        let (x1, y1) = (from.x + from.width, from.y + from.height / 2);
        let (x2, y2) = (to.x, to.y + to.height / 2);
        let middle = (x1 + x2) / 2;
        (
            format!("M {x1} {y1} C {middle} {y1} {middle} {y2} {x2} {y2}"),
            middle,
            (y1 + y2) / 2 - 4,
        )
    } else {
        // Backward or within a column: below both boxes.
        let (x1, y1) = (from.x + from.width / 2, from.y + from.height);
        let (x2, y2) = (to.x + to.width / 2, to.y + to.height);
        let low = y1.max(y2) + ROW / 2;
        (
            format!("M {x1} {y1} C {x1} {low} {x2} {low} {x2} {y2}"),
            (x1 + x2) / 2,
            low - 6,
        )
    };
    Edge {
        path,
        label_zh,
        label_en,
        label_x,
        label_y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::workflow::shipped;

    #[test]
    fn states_are_placed_by_distance_and_every_transition_is_drawn() {
        let definition = shipped().into_iter().find(|d| d.key == "default").unwrap();
        let diagram = layout(&definition, Some("under_review"));
        let node = |code: &str| diagram.nodes.iter().find(|n| n.code == code).unwrap();
        assert!(node("submitted").x < node("accepted").x);
        assert!(node("accepted").x < node("under_review").x);
        assert!(node("under_review").current && !node("submitted").current);
        // No two boxes overlap.
        for (i, a) in diagram.nodes.iter().enumerate() {
            for b in &diagram.nodes[i + 1..] {
                assert!(a.x != b.x || a.y != b.y, "{} and {}", a.code, b.code);
            }
        }
        assert!(diagram.nodes.iter().all(|n| n.x + n.width <= diagram.width));
        let labels: String = diagram.edges.iter().map(|e| e.label_en.clone()).collect();
        for t in &definition.transitions {
            assert!(labels.contains(&t.label_en), "{} is drawn", t.name);
        }
    }
}
