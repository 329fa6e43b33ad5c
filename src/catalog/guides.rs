//! Guide rules: how each service's materials list, result and steps are composed from
//! `guides.toml`.
//!
//! Composition, in order (documented in the file itself too):
//! 1. the applicant's identity documents, by applicant type (an item may replace them);
//! 2. for 新办 and single services, the item's own materials where the file lists them, else the
//!    default materials of the item type; for 变更/延续/注销, the materials of that variant;
//! 3. the power of attorney for an agent (经办人), always optional.
//!
//! Every name, result and step is written in Chinese and English (`{ zh = "…", en = "…" }`);
//! a file of plain Chinese strings is read only where English may fall back to Chinese.

use std::collections::HashMap;

use serde::Deserialize;

use super::{English, SourceError};
use crate::domain::catalog::{
    ApplicantType, Guide, Item, ItemType, Material, MaterialForm, MaterialSource, Necessity,
    TimeLimits, Variant,
};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaterialSpec {
    name: Named,
    form: String,
    #[serde(default = "one")]
    copies: u8,
    necessity: String,
    #[serde(default = "applicant")]
    source: String,
}

fn one() -> u8 {
    1
}

fn applicant() -> String {
    MaterialSource::Applicant.slug().to_owned()
}

/// A name or text as the file writes it: in both languages, or (an older file) in Chinese only.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Named {
    Both(crate::domain::forms::Text),
    Chinese(String),
}

impl Named {
    fn zh(&self) -> &str {
        match self {
            Named::Both(text) => &text.zh,
            Named::Chinese(zh) => zh,
        }
    }

    /// The English text; the Chinese where English may fall back to it.
    fn en(&self, english: English) -> Result<&str, SourceError> {
        let en = match self {
            Named::Both(text) => text.en.trim(),
            Named::Chinese(_) => "",
        };
        match (en.is_empty(), english) {
            (false, _) => Ok(en),
            (true, English::OrChinese) => Ok(self.zh()),
            (true, English::Required) => Err(SourceError::Guides(format!(
                "{:?} has no English (write {{ zh = \"…\", en = \"…\" }})",
                self.zh()
            ))),
        }
    }

    fn parse(&self, english: English) -> Result<Bilingual, SourceError> {
        Ok(Bilingual {
            zh: self.zh().to_owned(),
            en: self.en(english)?.to_owned(),
        })
    }
}

/// A text in both languages, checked.
#[derive(Debug, Clone, Default)]
struct Bilingual {
    zh: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Block {
    result: Option<Named>,
    identity: Option<Vec<MaterialSpec>>,
    #[serde(default)]
    materials: Vec<MaterialSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepSpecs {
    immediate: Vec<Named>,
    promised: Vec<Named>,
}

#[derive(Debug)]
struct Steps {
    immediate: Vec<Bilingual>,
    promised: Vec<Bilingual>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    steps: StepSpecs,
    identity: HashMap<String, Vec<MaterialSpec>>,
    agent: Vec<MaterialSpec>,
    item_types: HashMap<String, Block>,
    variants: HashMap<String, Block>,
    #[serde(default)]
    items: HashMap<String, Block>,
}

/// A block with its materials parsed.
#[derive(Debug, Default)]
struct Rule {
    result: Option<Bilingual>,
    identity: Option<Vec<Material>>,
    materials: Vec<Material>,
}

/// The parsed guide rules, ready to compose a guide for any service.
#[derive(Debug)]
pub struct GuideRules {
    steps: Steps,
    identity: HashMap<ApplicantType, Vec<Material>>,
    agent: Vec<Material>,
    item_types: HashMap<ItemType, Rule>,
    variants: HashMap<Variant, Rule>,
    items: HashMap<String, Rule>,
}

impl GuideRules {
    pub fn parse(text: &str, english: English) -> Result<Self, SourceError> {
        let file: File = toml::from_str(text).map_err(|e| SourceError::Guides(e.to_string()))?;
        let materials = |specs: &[MaterialSpec]| materials(specs, english);
        let rule = |block: Block| rule(block, english);
        let texts = |specs: &[Named]| -> Result<Vec<Bilingual>, SourceError> {
            specs.iter().map(|s| s.parse(english)).collect()
        };
        let mut identity = HashMap::new();
        for (key, specs) in file.identity {
            identity.insert(
                parse_key::<ApplicantType>("identity", &key)?,
                materials(&specs)?,
            );
        }
        for applicant in ApplicantType::ALL {
            if !identity.contains_key(applicant) {
                return Err(SourceError::Guides(format!(
                    "identity.{applicant} is missing"
                )));
            }
        }
        let mut item_types = HashMap::new();
        for (key, block) in file.item_types {
            item_types.insert(parse_key::<ItemType>("item_types", &key)?, rule(block)?);
        }
        for item_type in ItemType::ALL {
            match item_types.get(item_type) {
                Some(rule) if rule.result.is_some() => {}
                _ => {
                    return Err(SourceError::Guides(format!(
                        "item_types.{item_type} needs a result"
                    )));
                }
            }
        }
        let mut variants = HashMap::new();
        for (key, block) in file.variants {
            variants.insert(parse_key::<Variant>("variants", &key)?, rule(block)?);
        }
        for variant in [Variant::Change, Variant::Renewal, Variant::Cancellation] {
            if !variants.contains_key(&variant) {
                return Err(SourceError::Guides(format!(
                    "variants.{variant} is missing"
                )));
            }
        }
        let mut items = HashMap::new();
        for (key, block) in file.items {
            items.insert(key, rule(block)?);
        }
        Ok(Self {
            steps: Steps {
                immediate: texts(&file.steps.immediate)?,
                promised: texts(&file.steps.promised)?,
            },
            identity,
            agent: materials(&file.agent)?,
            item_types,
            variants,
            items,
        })
    }

    /// Composes the guide of one service (see the module documentation for the order).
    pub fn guide_for(
        &self,
        item: &Item,
        variant: Variant,
        applicant: ApplicantType,
        limits: TimeLimits,
    ) -> Guide {
        let empty = Rule::default();
        let own = self.items.get(item.code.as_str()).unwrap_or(&empty);
        let by_type = self.item_types.get(&item.item_type).unwrap_or(&empty);
        let by_variant = self.variants.get(&variant);

        let identity = own.identity.as_ref().filter(|_| by_variant.is_none());
        let mut list: Vec<Material> = identity
            .or_else(|| self.identity.get(&applicant))
            .cloned()
            .unwrap_or_default();
        let body = match by_variant {
            Some(rule) => &rule.materials,
            None if !own.materials.is_empty() => &own.materials,
            None => &by_type.materials,
        };
        list.extend(body.iter().cloned());
        list.extend(self.agent.iter().cloned());
        // A name listed twice (say, identity and body) would confuse applicants: keep the first.
        let mut seen = std::collections::HashSet::new();
        list.retain(|m| seen.insert(m.name.clone()));

        let result = match (variant, by_variant.and_then(|r| r.result.as_ref())) {
            (Variant::Cancellation, Some(result)) => result.clone(),
            _ => own
                .result
                .clone()
                .or_else(|| by_type.result.clone())
                .unwrap_or_default(),
        };
        let result_name = result.zh.replace("{item}", &item.name);
        let result_name_en = result.en.replace("{item}", &item.name_en);
        let template = if limits.is_immediate() {
            &self.steps.immediate
        } else {
            &self.steps.promised
        };
        let fill = |step: &str, result: &str| {
            step.replace("{promised_days}", &limits.promised_days().to_string())
                .replace("{legal_days}", &limits.legal_days().to_string())
                .replace("{result}", result)
        };
        Guide {
            materials: list,
            steps: template.iter().map(|s| fill(&s.zh, &result_name)).collect(),
            steps_en: template
                .iter()
                .map(|s| fill(&s.en, &result_name_en))
                .collect(),
            result_name,
            result_name_en,
        }
    }
}

fn parse_key<T: std::str::FromStr>(section: &str, key: &str) -> Result<T, SourceError> {
    key.parse()
        .map_err(|_| SourceError::Guides(format!("{section}.{key}: unknown key")))
}

fn rule(block: Block, english: English) -> Result<Rule, SourceError> {
    let materials = |specs: &[MaterialSpec]| materials(specs, english);
    Ok(Rule {
        result: block.result.map(|r| r.parse(english)).transpose()?,
        identity: block.identity.as_deref().map(materials).transpose()?,
        materials: materials(&block.materials)?,
    })
}

fn materials(specs: &[MaterialSpec], english: English) -> Result<Vec<Material>, SourceError> {
    specs
        .iter()
        .map(|spec| {
            let name = spec.name.zh();
            let bad = |e: crate::domain::UnknownLabel| {
                SourceError::Guides(format!("material {name:?}: {e}"))
            };
            if name.trim().is_empty() || spec.copies == 0 {
                return Err(SourceError::Guides(format!(
                    "material {name:?}: a name and at least one copy are needed"
                )));
            }
            Ok(Material {
                name: name.trim().to_owned(),
                name_en: spec.name.en(english)?.trim().to_owned(),
                form: spec.form.parse::<MaterialForm>().map_err(bad)?,
                copies: spec.copies,
                necessity: spec.necessity.parse::<Necessity>().map_err(bad)?,
                source: spec.source.parse::<MaterialSource>().map_err(bad)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;
    use crate::domain::catalog::{MaterialSource, Necessity, Variant};

    fn service(name: &str) -> crate::domain::catalog::Service {
        Catalog::embedded()
            .unwrap()
            .services
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} not in the catalog"))
    }

    #[test]
    fn food_licence_has_its_own_materials_and_result() {
        let s = service("食品经营许可（新办）");
        let names: Vec<&str> = s.guide.materials.iter().map(|m| m.name.as_str()).collect();
        assert!(names.contains(&"食品安全管理制度清单"), "{names:?}");
        assert_eq!(s.guide.result_name, "《食品经营许可证》");
        assert!(
            s.guide.steps.iter().any(|step| step.contains("3个工作日")),
            "{:?}",
            s.guide.steps
        );
    }

    #[test]
    fn renewal_asks_for_the_licence_already_issued() {
        let s = service("食品经营许可（延续）");
        assert_eq!(s.variant, Variant::Renewal);
        assert!(
            s.guide
                .materials
                .iter()
                .any(|m| m.source == MaterialSource::IssuedLicence)
        );
        assert_eq!(s.guide.result_name, "《食品经营许可证》");
    }

    #[test]
    fn agent_authorisation_is_always_optional() {
        for s in Catalog::embedded().unwrap().services {
            let last = s.guide.materials.last().unwrap();
            assert_eq!(last.necessity, Necessity::Optional, "{}", s.name);
        }
    }
}
