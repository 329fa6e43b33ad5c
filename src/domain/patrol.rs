//! What a patrol's trace says (人过留迹): how far the worker went, which check points of their
//! grids they reached and how long they stayed at each, how many full rounds they made, and
//! where the trace cannot be trusted (a gap in the points, a speed no one patrols at).
//!
//! Counting rules:
//! - The points are taken in the order of their own time (a device posts late and out of
//!   order); two points at the same time count once.
//! - A **gap** is more than [`GAP_SECONDS`] between consecutive points (a device posts every
//!   10 s while it has a signal).
//! - A **speed flag** is a stretch between consecutive points faster than [`MAX_SPEED_KMH`]
//!   (a patrol is on foot or by bicycle); such a stretch is not added to the distance.
//! - A check point is **reached** by a point within [`CHECKPOINT_RADIUS_M`] of it; a **visit**
//!   is a run of consecutive points within that radius, its minutes from its first point to its
//!   last.
//! - A **round** is complete when every check point of the worker's grids has been visited
//!   since the last round was completed.

use chrono::NaiveDateTime;

use super::territory::Point;

pub const GAP_SECONDS: i64 = 300;
pub const MAX_SPEED_KMH: f64 = 60.0;
pub const CHECKPOINT_RADIUS_M: f64 = 30.0;

/// A located point of a trace.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TracePoint {
    pub at: NaiveDateTime,
    pub point: Point,
}

/// A check point's record in a trace.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dwell {
    pub visits: u32,
    /// Minutes at the check point over all visits.
    pub minutes: f64,
}

/// A trace's summary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TraceSummary {
    pub points: usize,
    pub distance_m: f64,
    /// Per check point (in the order given).
    pub dwell: Vec<Dwell>,
    pub rounds: u32,
    /// The gaps: from the last point before to the first after.
    pub gaps: Vec<(NaiveDateTime, NaiveDateTime)>,
    /// The times of the points reached too fast.
    pub too_fast: Vec<NaiveDateTime>,
}

impl TraceSummary {
    pub fn checkpoints_reached(&self) -> usize {
        self.dwell.iter().filter(|d| d.visits > 0).count()
    }
}

/// Summarises `points` (in any order) against `checkpoints`.
pub fn summarize(points: &[TracePoint], checkpoints: &[Point]) -> TraceSummary {
    let mut points = points.to_vec();
    points.sort_by_key(|p| p.at);
    points.dedup_by_key(|p| p.at);
    let mut summary = TraceSummary {
        points: points.len(),
        dwell: vec![Dwell::default(); checkpoints.len()],
        ..TraceSummary::default()
    };
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let seconds = (b.at - a.at).num_milliseconds() as f64 / 1000.0;
        let metres = a.point.metres_to(b.point);
        if seconds > GAP_SECONDS as f64 {
            summary.gaps.push((a.at, b.at));
        }
        if metres / seconds * 3.6 > MAX_SPEED_KMH {
            summary.too_fast.push(b.at);
        } else {
            summary.distance_m += metres;
        }
    }
    // Visits: runs of consecutive points near a check point.
    let mut current: Vec<Option<NaiveDateTime>> = vec![None; checkpoints.len()];
    let mut last_near: Vec<NaiveDateTime> = vec![NaiveDateTime::MIN; checkpoints.len()];
    let mut seen_this_round = vec![false; checkpoints.len()];
    for p in &points {
        for (i, checkpoint) in checkpoints.iter().enumerate() {
            let near = p.point.metres_to(*checkpoint) <= CHECKPOINT_RADIUS_M;
            match (near, current[i]) {
                (true, None) => {
                    current[i] = Some(p.at);
                    last_near[i] = p.at;
                    summary.dwell[i].visits += 1;
                    seen_this_round[i] = true;
                }
                (true, Some(_)) => last_near[i] = p.at,
                (false, Some(start)) => {
                    summary.dwell[i].minutes += minutes(start, last_near[i]);
                    current[i] = None;
                }
                (false, None) => {}
            }
        }
        if !checkpoints.is_empty() && seen_this_round.iter().all(|s| *s) {
            summary.rounds += 1;
            seen_this_round.iter_mut().for_each(|s| *s = false);
        }
    }
    for (i, start) in current.iter().enumerate() {
        if let Some(start) = start {
            summary.dwell[i].minutes += minutes(*start, last_near[i]);
        }
    }
    summary
}

fn minutes(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    (to - from).num_seconds() as f64 / 60.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(seconds: i64) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 7)
            .unwrap()
            .and_hms_opt(1, 0, 0)
            .unwrap()
            + chrono::Duration::seconds(seconds)
    }

    /// About 11 m of latitude per 0.0001°.
    fn north_of(base: Point, steps: f64) -> Point {
        Point::new(base.lon, base.lat + 0.0001 * steps)
    }

    const A: Point = Point {
        lon: 113.80,
        lat: 22.60,
    };

    #[test]
    fn distance_dwell_and_rounds() {
        let b = north_of(A, 20.0); // ~222 m north
        let mut trace = Vec::new();
        let mut t = 0;
        // Twice: 3 min at A, walk to B in 10 s steps of ~11 m, 2 min at B, walk back.
        for _ in 0..2 {
            for _ in 0..18 {
                trace.push(TracePoint {
                    at: at(t),
                    point: A,
                });
                t += 10;
            }
            for s in 1..20 {
                trace.push(TracePoint {
                    at: at(t),
                    point: north_of(A, s as f64),
                });
                t += 10;
            }
            for _ in 0..12 {
                trace.push(TracePoint {
                    at: at(t),
                    point: b,
                });
                t += 10;
            }
            for s in (1..20).rev() {
                trace.push(TracePoint {
                    at: at(t),
                    point: north_of(A, s as f64),
                });
                t += 10;
            }
        }
        // Sent out of order, one point twice.
        trace.reverse();
        trace.push(trace[5]);
        let summary = summarize(&trace, &[A, b]);
        assert_eq!(summary.points, 2 * (18 + 19 + 12 + 19));
        assert_eq!(summary.rounds, 2);
        // At A: the start, the return between the loops, and the last return (steps 2 and 1).
        assert_eq!(summary.dwell[0].visits, 3);
        assert_eq!(summary.dwell[1].visits, 2);
        // Within 30 m of B: the 2 steps before it (~22 m and ~11 m), the 12 points at it and
        // the 2 steps back: 16 points, 150 s a visit.
        assert!(
            (summary.dwell[1].minutes - 5.0).abs() < 0.01,
            "{:?}",
            summary.dwell
        );
        // ~222 m out and back, twice, less the last walk back that was not made.
        let expected = 222.4 * 3.0 + 11.1 * 19.0;
        assert!(
            (summary.distance_m - expected).abs() < 15.0,
            "{}",
            summary.distance_m
        );
        assert!(summary.gaps.is_empty() && summary.too_fast.is_empty());
        assert_eq!(summary.checkpoints_reached(), 2);
    }

    #[test]
    fn gaps_and_impossible_speeds_are_flagged() {
        let far = Point::new(113.90, 22.60); // ~10 km east
        let trace = [
            TracePoint {
                at: at(0),
                point: A,
            },
            TracePoint {
                at: at(10),
                point: A,
            },
            // 10 minutes without a point.
            TracePoint {
                at: at(610),
                point: north_of(A, 1.0),
            },
            // 10 km in 20 s.
            TracePoint {
                at: at(630),
                point: far,
            },
        ];
        let summary = summarize(&trace, &[A, far]);
        assert_eq!(summary.gaps, vec![(at(10), at(610))]);
        assert_eq!(summary.too_fast, vec![at(630)]);
        assert!(summary.distance_m < 20.0, "the jump is not walked");
        assert_eq!(summary.rounds, 1, "both check points were reached");
    }

    #[test]
    fn no_check_points_no_rounds() {
        let trace = [TracePoint {
            at: at(0),
            point: A,
        }];
        let summary = summarize(&trace, &[]);
        assert_eq!(summary.rounds, 0);
        assert_eq!(summary.points, 1);
    }
}
