//! Postal addresses: ship-to for dropship orders and end-user information.

use serde::{Deserialize, Serialize};

/// An address with contact, as in a quote's `ship_to`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Address {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attention: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl Address {
    /// Fields a distributor needs to deliver somewhere, by name.
    pub fn missing_for_shipping(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        if blank(&self.name) {
            missing.push("name");
        }
        if blank(&self.street) {
            missing.push("street");
        }
        if blank(&self.city) {
            missing.push("city");
        }
        if blank(&self.postal_code) {
            missing.push("postal_code");
        }
        if blank(&self.country) {
            missing.push("country");
        }
        if self.needs_state() && blank(&self.state) {
            missing.push("state");
        }
        missing
    }

    /// The street, one entry per non-blank line, trimmed (distributors take it in lines).
    pub fn street_lines(&self) -> Vec<String> {
        self.street
            .as_deref()
            .unwrap_or_default()
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// US and Canadian distributors need the state or province (quote format).
    fn needs_state(&self) -> bool {
        let country = self.country.as_deref().unwrap_or("").trim().to_ascii_uppercase();
        matches!(
            country.as_str(),
            "US" | "USA" | "UNITED STATES" | "UNITED STATES OF AMERICA" | "CA" | "CAN" | "CANADA"
        )
    }

    /// One line for lists: "Dentalcare West, Kanaalweg 12, 3526 KL Utrecht, NL".
    pub fn one_line(&self) -> String {
        let city = [self.postal_code.as_deref(), self.city.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [
            self.name.clone(),
            self.street.clone(),
            (!city.is_empty()).then_some(city),
            self.country.clone(),
        ]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipping_needs_name_street_city_postcode_country() {
        let mut a = Address::default();
        assert_eq!(
            a.missing_for_shipping(),
            vec!["name", "street", "city", "postal_code", "country"]
        );
        a.name = Some("Dentalcare West".into());
        a.street = Some("Kanaalweg 12".into());
        a.city = Some("Utrecht".into());
        a.postal_code = Some("3526 KL".into());
        a.country = Some(" ".into());
        assert_eq!(a.missing_for_shipping(), vec!["country"]);
        a.country = Some("NL".into());
        assert!(a.missing_for_shipping().is_empty());
        assert_eq!(a.one_line(), "Dentalcare West, Kanaalweg 12, 3526 KL Utrecht, NL");
    }

    #[test]
    fn us_and_canadian_addresses_need_a_state() {
        let mut a = Address {
            name: Some("Northwind Clinics".into()),
            street: Some("500 Main St".into()),
            city: Some("Springfield".into()),
            postal_code: Some("62701".into()),
            country: Some("US".into()),
            ..Address::default()
        };
        for country in ["US", " usa ", "United States", "CA", "Canada"] {
            a.country = Some(country.into());
            assert_eq!(a.missing_for_shipping(), vec!["state"], "{country}");
        }
        a.state = Some("IL".into());
        assert!(a.missing_for_shipping().is_empty());
        a.state = None;
        a.country = Some("NL".into());
        assert!(a.missing_for_shipping().is_empty(), "elsewhere it is optional");
    }
}
