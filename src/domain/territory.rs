//! The district's territory for grid management (网格化管理): 10 streets (街道), 126 communities
//! (社区) and 4,833 work grids (工作网格), and finding the grid of a point.
//!
//! The streets are Bao'an's. Community and grid names and outlines are not published, so OneStop
//! ships an illustrative tiling with the real counts (marked `illustrative` wherever it is
//! shown): the district's bounding box is cut into the streets, each street into its
//! communities and each community into its grids, row by row. An administrator replaces the
//! outlines with real ones by importing GeoJSON (see [`parse_geojson`]).

use serde::Deserialize;

/// A position in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub lon: f64,
    pub lat: f64,
}

impl Point {
    pub fn new(lon: f64, lat: f64) -> Point {
        Point { lon, lat }
    }

    /// Great-circle distance in metres (haversine; the error at a district's scale is far below
    /// a phone's accuracy).
    pub fn metres_to(self, other: Point) -> f64 {
        const EARTH_RADIUS_M: f64 = 6_371_008.8;
        let (la1, la2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = la2 - la1;
        let dlon = (other.lon - self.lon).to_radians();
        let a = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().asin()
    }

    /// Whether the point is a real position (not NaN, on the globe).
    pub fn is_valid(self) -> bool {
        self.lon.is_finite()
            && self.lat.is_finite()
            && (-180.0..=180.0).contains(&self.lon)
            && (-90.0..=90.0).contains(&self.lat)
    }
}

/// A bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl Rect {
    pub fn contains(&self, p: Point) -> bool {
        p.lon >= self.west && p.lon <= self.east && p.lat >= self.south && p.lat <= self.north
    }

    fn ring(&self) -> Vec<Point> {
        vec![
            Point::new(self.west, self.south),
            Point::new(self.east, self.south),
            Point::new(self.east, self.north),
            Point::new(self.west, self.north),
        ]
    }

    /// Cuts the box into `n` cells of equal size, in rows from the north-west: about √n rows,
    /// the first rows one cell longer when `n` does not divide evenly.
    pub fn split(&self, n: usize) -> Vec<Rect> {
        let n = n.max(1);
        let rows = ((n as f64).sqrt().round() as usize).clamp(1, n);
        let height = (self.north - self.south) / rows as f64;
        let mut cells = Vec::with_capacity(n);
        for row in 0..rows {
            let in_row = n / rows + usize::from(row < n % rows);
            let width = (self.east - self.west) / in_row as f64;
            let north = self.north - height * row as f64;
            for column in 0..in_row {
                let west = self.west + width * column as f64;
                cells.push(Rect {
                    west,
                    south: north - height,
                    east: west + width,
                    north,
                });
            }
        }
        cells
    }
}

/// A grid's outline: a polygon's outer ring (the first point not repeated at the end).
#[derive(Debug, Clone, PartialEq)]
pub struct Outline(pub Vec<Point>);

impl Outline {
    pub fn bounds(&self) -> Rect {
        let mut r = Rect {
            west: f64::INFINITY,
            south: f64::INFINITY,
            east: f64::NEG_INFINITY,
            north: f64::NEG_INFINITY,
        };
        for p in &self.0 {
            r.west = r.west.min(p.lon);
            r.east = r.east.max(p.lon);
            r.south = r.south.min(p.lat);
            r.north = r.north.max(p.lat);
        }
        r
    }

    /// Whether `p` lies inside (even-odd rule; a point on the west or south edge of a cell is
    /// inside it, on the east or north edge outside, so a tiling has no gaps or overlaps).
    pub fn contains(&self, p: Point) -> bool {
        let ring = &self.0;
        let mut inside = false;
        let mut j = ring.len().wrapping_sub(1);
        for i in 0..ring.len() {
            let (a, b) = (ring[i], ring[j]);
            if (a.lat > p.lat) != (b.lat > p.lat) {
                let cross = (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon;
                if p.lon < cross {
                    inside = !inside;
                }
            }
            j = i;
        }
        inside
    }

    /// Stored as GeoJSON coordinates: `[[lon,lat],...]`, the ring closed.
    pub fn to_json(&self) -> String {
        let mut ring: Vec<[f64; 2]> = self.0.iter().map(|p| [p.lon, p.lat]).collect();
        if let Some(first) = ring.first().copied() {
            ring.push(first);
        }
        serde_json::to_string(&ring).expect("numbers serialise")
    }

    pub fn from_json(text: &str) -> Option<Outline> {
        let ring: Vec<[f64; 2]> = serde_json::from_str(text).ok()?;
        Outline::from_ring(&ring)
    }

    fn from_ring(ring: &[[f64; 2]]) -> Option<Outline> {
        let mut points: Vec<Point> = ring
            .iter()
            .map(|[lon, lat]| Point::new(*lon, *lat))
            .collect();
        if points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        (points.len() >= 3 && points.iter().all(|p| p.is_valid())).then_some(Outline(points))
    }

    /// The check points a patrol should reach (巡查点): the centres of the four quarters of the
    /// outline's box that lie inside it, or the box's centre when none does.
    pub fn checkpoints(&self) -> Vec<Point> {
        let b = self.bounds();
        let (w, h) = (b.east - b.west, b.north - b.south);
        let quarters: Vec<Point> = [(0.25, 0.25), (0.75, 0.25), (0.75, 0.75), (0.25, 0.75)]
            .iter()
            .map(|(x, y)| Point::new(b.west + w * x, b.south + h * y))
            .filter(|p| self.contains(*p))
            .collect();
        if quarters.is_empty() {
            vec![Point::new(b.west + w / 2.0, b.south + h / 2.0)]
        } else {
            quarters
        }
    }
}

/// A street of the district with its number of communities.
pub struct Street {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub communities: usize,
}

/// Bao'an's 10 streets; their community counts sum to 126 (the split is illustrative).
pub const STREETS: [Street; 10] = [
    street("BA01", "新安街道", "Xin'an", 14),
    street("BA02", "西乡街道", "Xixiang", 15),
    street("BA03", "航城街道", "Hangcheng", 12),
    street("BA04", "福永街道", "Fuyong", 10),
    street("BA05", "福海街道", "Fuhai", 11),
    street("BA06", "沙井街道", "Shajing", 15),
    street("BA07", "新桥街道", "Xinqiao", 14),
    street("BA08", "松岗街道", "Songgang", 14),
    street("BA09", "燕罗街道", "Yanluo", 9),
    street("BA10", "石岩街道", "Shiyan", 12),
];

const fn street(
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    communities: usize,
) -> Street {
    Street {
        code,
        name_zh,
        name_en,
        communities,
    }
}

pub const COMMUNITIES: usize = 126;
pub const GRIDS: usize = 4_833;

/// The district's bounding box (Bao'an lies about here; the tiling is illustrative).
pub const DISTRICT: Rect = Rect {
    west: 113.74,
    south: 22.54,
    east: 113.98,
    north: 22.80,
};

/// A generated community with its grids.
pub struct GeneratedCommunity {
    pub code: String,
    pub name_zh: String,
    pub grids: Vec<GeneratedGrid>,
}

pub struct GeneratedGrid {
    pub code: String,
    pub name_zh: String,
    pub outline: Outline,
}

/// The illustrative tiling: per street (in [`STREETS`] order) its communities, 4,833 grids in
/// all (38 or 39 a community).
pub fn illustrative_tiling() -> Vec<Vec<GeneratedCommunity>> {
    let street_cells = DISTRICT.split(STREETS.len());
    let mut community_number = 0;
    STREETS
        .iter()
        .zip(street_cells)
        .map(|(street, cell)| {
            let short = street.name_zh.trim_end_matches("街道");
            cell.split(street.communities)
                .into_iter()
                .enumerate()
                .map(|(i, community_cell)| {
                    let grids =
                        GRIDS / COMMUNITIES + usize::from(community_number < GRIDS % COMMUNITIES);
                    community_number += 1;
                    let code = format!("{}-{:02}", street.code, i + 1);
                    let name_zh = format!("{short}第{}社区", i + 1);
                    let grids = community_cell
                        .split(grids)
                        .into_iter()
                        .enumerate()
                        .map(|(g, rect)| GeneratedGrid {
                            code: format!("{code}-{:03}", g + 1),
                            name_zh: format!("{name_zh}第{}网格", g + 1),
                            outline: Outline(rect.ring()),
                        })
                        .collect();
                    GeneratedCommunity {
                        code,
                        name_zh,
                        grids,
                    }
                })
                .collect()
        })
        .collect()
}

/// The grids' outlines in memory, binned for finding a point's grid in microseconds.
pub struct GridIndex {
    grids: Vec<(i64, Outline, Rect)>,
    bounds: Rect,
    bins: Vec<Vec<u32>>,
}

const BINS: usize = 96;

impl GridIndex {
    pub fn new(grids: Vec<(i64, Outline)>) -> GridIndex {
        let grids: Vec<(i64, Outline, Rect)> = grids
            .into_iter()
            .map(|(id, outline)| {
                let bounds = outline.bounds();
                (id, outline, bounds)
            })
            .collect();
        let mut bounds = Rect {
            west: f64::INFINITY,
            south: f64::INFINITY,
            east: f64::NEG_INFINITY,
            north: f64::NEG_INFINITY,
        };
        for (_, _, b) in &grids {
            bounds.west = bounds.west.min(b.west);
            bounds.south = bounds.south.min(b.south);
            bounds.east = bounds.east.max(b.east);
            bounds.north = bounds.north.max(b.north);
        }
        let mut index = GridIndex {
            grids,
            bounds,
            bins: vec![Vec::new(); BINS * BINS],
        };
        for (i, (_, _, b)) in index.grids.iter().enumerate() {
            let (x0, y0) = index.bin_of(Point::new(b.west, b.south));
            let (x1, y1) = index.bin_of(Point::new(b.east, b.north));
            for x in x0..=x1 {
                for y in y0..=y1 {
                    index.bins[y * BINS + x].push(i as u32);
                }
            }
        }
        index
    }

    fn bin_of(&self, p: Point) -> (usize, usize) {
        let b = &self.bounds;
        let fx = ((p.lon - b.west) / (b.east - b.west)).clamp(0.0, 1.0);
        let fy = ((p.lat - b.south) / (b.north - b.south)).clamp(0.0, 1.0);
        let x = ((fx * BINS as f64) as usize).min(BINS - 1);
        let y = ((fy * BINS as f64) as usize).min(BINS - 1);
        (x, y)
    }

    /// The id of the grid that contains `p`, if any.
    pub fn locate(&self, p: Point) -> Option<i64> {
        if self.grids.is_empty() || !p.is_valid() || !self.bounds.contains(p) {
            return None;
        }
        let (x, y) = self.bin_of(p);
        self.bins[y * BINS + x]
            .iter()
            .map(|i| &self.grids[*i as usize])
            .find(|(_, outline, b)| b.contains(p) && outline.contains(p))
            .map(|(id, _, _)| *id)
    }

    pub fn len(&self) -> usize {
        self.grids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.grids.is_empty()
    }
}

/// An outline given in an administrator's GeoJSON import, by grid code.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedOutline {
    pub code: String,
    pub outline: Outline,
}

#[derive(Deserialize)]
struct FeatureCollection {
    features: Vec<Feature>,
}

#[derive(Deserialize)]
struct Feature {
    properties: serde_json::Map<String, serde_json::Value>,
    geometry: Geometry,
}

#[derive(Deserialize)]
struct Geometry {
    #[serde(rename = "type")]
    kind: String,
    coordinates: serde_json::Value,
}

/// Reads a GeoJSON FeatureCollection of grid outlines: each feature a Polygon (its outer ring)
/// with the grid's `code` among its properties. Errors name the feature (1-based).
pub fn parse_geojson(text: &str) -> Result<Vec<ImportedOutline>, String> {
    let collection: FeatureCollection =
        serde_json::from_str(text).map_err(|e| format!("GeoJSON: {e}"))?;
    let mut outlines = Vec::with_capacity(collection.features.len());
    for (i, feature) in collection.features.into_iter().enumerate() {
        let n = i + 1;
        let code = feature
            .properties
            .get("code")
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("feature {n}: no \"code\" property"))?
            .trim()
            .to_owned();
        if feature.geometry.kind != "Polygon" {
            return Err(format!("feature {n} ({code}): not a Polygon"));
        }
        let rings: Vec<Vec<[f64; 2]>> = serde_json::from_value(feature.geometry.coordinates)
            .map_err(|_| format!("feature {n} ({code}): coordinates are not a polygon's"))?;
        let outline = rings
            .first()
            .and_then(|ring| Outline::from_ring(ring))
            .ok_or_else(|| format!("feature {n} ({code}): the outline needs 3 valid points"))?;
        outlines.push(ImportedOutline { code, outline });
    }
    Ok(outlines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> GridIndex {
        let mut id = 0;
        let mut grids = Vec::new();
        for street in illustrative_tiling() {
            for community in street {
                for grid in community.grids {
                    id += 1;
                    grids.push((id, grid.outline));
                }
            }
        }
        GridIndex::new(grids)
    }

    #[test]
    fn the_tiling_has_the_districts_counts() {
        let tiling = illustrative_tiling();
        assert_eq!(tiling.len(), 10);
        let communities: usize = tiling.iter().map(Vec::len).sum();
        assert_eq!(communities, 126);
        let grids: usize = tiling.iter().flatten().map(|c| c.grids.len()).sum();
        assert_eq!(grids, 4_833);
        assert_eq!(tiling[0][0].grids[0].code, "BA01-01-001");
        assert_eq!(tiling[0][0].name_zh, "新安第1社区");
    }

    #[test]
    fn every_point_of_the_district_is_in_exactly_one_grid() {
        let tiling = illustrative_tiling();
        let outlines: Vec<&Outline> = tiling
            .iter()
            .flatten()
            .flat_map(|c| c.grids.iter().map(|g| &g.outline))
            .collect();
        // A lattice of points across the district, off the cells' edges.
        for i in 0..40 {
            for j in 0..40 {
                let p = Point::new(
                    DISTRICT.west + (DISTRICT.east - DISTRICT.west) * (i as f64 + 0.37) / 40.0,
                    DISTRICT.south + (DISTRICT.north - DISTRICT.south) * (j as f64 + 0.61) / 40.0,
                );
                let holding = outlines.iter().filter(|o| o.contains(p)).count();
                assert_eq!(holding, 1, "{p:?}");
            }
        }
    }

    #[test]
    fn a_point_finds_its_grid() {
        let index = index();
        let tiling = illustrative_tiling();
        // The centre of the 100th grid of the 7th street's 3rd community (1-based ids in order).
        let mut id = 0;
        for (s, street) in tiling.iter().enumerate() {
            for (c, community) in street.iter().enumerate() {
                for grid in &community.grids {
                    id += 1;
                    if s == 6 && c == 2 && grid.code.ends_with("-020") {
                        let b = grid.outline.bounds();
                        let centre = Point::new((b.west + b.east) / 2.0, (b.south + b.north) / 2.0);
                        assert_eq!(index.locate(centre), Some(id));
                    }
                }
            }
        }
        assert_eq!(
            index.locate(Point::new(113.5, 22.6)),
            None,
            "west of the district"
        );
        assert_eq!(index.locate(Point::new(f64::NAN, 22.6)), None);
    }

    #[test]
    fn a_concave_outline_excludes_its_notch() {
        // An L: the square 0..2 × 0..2 without its north-east quarter.
        let l = Outline(vec![
            Point::new(0.0, 0.0),
            Point::new(2.0, 0.0),
            Point::new(2.0, 1.0),
            Point::new(1.0, 1.0),
            Point::new(1.0, 2.0),
            Point::new(0.0, 2.0),
        ]);
        assert!(l.contains(Point::new(0.5, 1.5)));
        assert!(l.contains(Point::new(1.5, 0.5)));
        assert!(!l.contains(Point::new(1.5, 1.5)));
        assert_eq!(
            l.checkpoints().len(),
            3,
            "the notch's quarter is no check point"
        );
    }

    #[test]
    fn distances_are_in_metres() {
        // One thousandth of a degree of latitude is about 111 m.
        let d = Point::new(113.8, 22.6).metres_to(Point::new(113.8, 22.601));
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }

    #[test]
    fn geojson_outlines_are_read_by_code() {
        let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "properties":{"code":"BA01-01-001"},"geometry":{"type":"Polygon",
            "coordinates":[[[113.80,22.60],[113.81,22.60],[113.81,22.61],[113.80,22.60]]]}}]}"#;
        let outlines = parse_geojson(text).unwrap();
        assert_eq!(outlines[0].code, "BA01-01-001");
        assert_eq!(outlines[0].outline.0.len(), 3);
        let bad = text.replace("Polygon", "Point");
        assert!(parse_geojson(&bad).unwrap_err().contains("feature 1"));
        assert!(parse_geojson("{}").is_err());
    }
}
