//! A postal address as a W-9 or a 1099's payer gives it (SPEC §29): two
//! lines, a city, a state and a ZIP code — for a US address, the state is
//! one of the USPS's two-letter codes and the ZIP code has 5 or 9 digits;
//! elsewhere both are what the country uses. Stored as JSON on its row.

use crate::error::{ApiError, ApiResult};
use serde::{Deserialize, Serialize};

/// The two-letter codes the USPS delivers to: the states, DC, the
/// territories and the armed forces' post offices.
const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI", "UM", "FM", "MH", "PW", "AA", "AE", "AP",
];

/// The characters a line may have.
const MAX_LINE_CHARS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    /// A US address's two-letter state; elsewhere the region, or empty.
    pub state: String,
    /// A US ZIP code as `12345` or `12345-6789`; elsewhere the postal code.
    pub zip: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// An address as a client gives it.
pub struct Given<'a> {
    pub line1: &'a str,
    pub line2: Option<&'a str>,
    pub city: &'a str,
    pub state: Option<&'a str>,
    pub zip: Option<&'a str>,
    /// `US` when omitted.
    pub country: Option<&'a str>,
}

impl Address {
    /// Checks an address; errors name `{field}.line1` and the others.
    pub fn check(field: &str, given: &Given<'_>) -> ApiResult<Address> {
        let line = |name: &str, text: &str| {
            crate::input::required_line(&format!("{field}.{name}"), text, MAX_LINE_CHARS)
        };
        let country = given.country.unwrap_or("US").trim().to_ascii_uppercase();
        if !crate::engine::countries::is_country(&country) {
            return Err(ApiError::bad_input(
                format!("{field}.country"),
                "must be an ISO 3166 country code (US, DE)",
            ));
        }
        let line1 = line("line1", given.line1)?;
        let line2 =
            crate::input::optional_line(&format!("{field}.line2"), given.line2, MAX_LINE_CHARS)?;
        let city = line("city", given.city)?;
        let (state, zip) = match country.as_str() {
            "US" => (
                us_state(field, given.state.unwrap_or(""))?,
                us_zip(field, given.zip.unwrap_or(""))?,
            ),
            _ => (
                crate::input::optional_line(
                    &format!("{field}.state"),
                    given.state,
                    MAX_LINE_CHARS,
                )?
                .unwrap_or_default(),
                crate::input::optional_line(&format!("{field}.zip"), given.zip, 20)?
                    .unwrap_or_default(),
            ),
        };
        Ok(Address {
            line1,
            line2,
            city,
            state,
            zip,
            country,
        })
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A stored address, none when there is none; one that does not read
    /// is an error, never no address.
    pub fn decode(text: Option<&str>) -> ApiResult<Option<Address>> {
        text.map(|t| ApiError::stored("stored address", t))
            .transpose()
    }

    /// Its last line: `Springfield, IL 62704` (and the country, abroad).
    pub fn city_line(&self) -> String {
        let place = [self.state.as_str(), self.zip.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        let mut line = match place.is_empty() {
            true => self.city.clone(),
            false => format!("{}, {place}", self.city),
        };
        if self.country != "US" {
            line.push_str(&format!(" {}", self.country));
        }
        line
    }
}

fn us_state(field: &str, state: &str) -> ApiResult<String> {
    let state = state.trim().to_ascii_uppercase();
    match US_STATES.contains(&state.as_str()) {
        true => Ok(state),
        false => Err(ApiError::bad_input(
            format!("{field}.state"),
            "must be a US state's two-letter code (CA, NY, DC)",
        )),
    }
}

fn us_zip(field: &str, zip: &str) -> ApiResult<String> {
    let digits: String = zip.trim().chars().filter(|c| *c != '-').collect();
    let shaped = zip.trim().len() == digits.len()
        || (zip.trim().len() == 10 && zip.trim().as_bytes()[5] == b'-');
    match shaped && matches!(digits.len(), 5 | 9) && digits.chars().all(|c| c.is_ascii_digit()) {
        true if digits.len() == 9 => Ok(format!("{}-{}", &digits[..5], &digits[5..])),
        true => Ok(digits),
        false => Err(ApiError::bad_input(
            format!("{field}.zip"),
            "must be a ZIP code of 5 or 9 digits (62704, 62704-1234)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(state: &str, zip: &str) -> ApiResult<Address> {
        Address::check(
            "input.address",
            &Given {
                line1: "1 Main St",
                line2: None,
                city: "Springfield",
                state: Some(state),
                zip: Some(zip),
                country: None,
            },
        )
    }

    fn field(r: ApiResult<Address>) -> String {
        match r {
            Err(ApiError::BadInput { field, .. }) => field,
            other => panic!("accepted: {other:?}"),
        }
    }

    #[test]
    fn a_us_address_has_a_state_and_a_zip_code() {
        let ok = us("il", "627041234").unwrap();
        assert_eq!((ok.state.as_str(), ok.zip.as_str()), ("IL", "62704-1234"));
        assert_eq!(ok.city_line(), "Springfield, IL 62704-1234");
        assert_eq!(us("IL", "62704-1234").unwrap().zip, "62704-1234");
        assert_eq!(us("IL", "62704").unwrap().zip, "62704");
        assert_eq!(field(us("XX", "62704")), "input.address.state");
        assert_eq!(field(us("IL", "6270")), "input.address.zip");
        assert_eq!(field(us("IL", "627-041234")), "input.address.zip");
        assert_eq!(field(us("IL", "6270A")), "input.address.zip");
        let round = Address::decode(Some(&ok.encode())).unwrap();
        assert_eq!(round, Some(ok));
        assert_eq!(
            Address::decode(Some("{\"line1\":")),
            Err(crate::error::ApiError::Internal)
        );
        assert_eq!(Address::decode(None), Ok(None));
    }

    #[test]
    fn an_address_abroad_keeps_its_own_region_and_postcode() {
        let berlin = Address::check(
            "a",
            &Given {
                line1: "Unter den Linden 1",
                line2: None,
                city: "Berlin",
                state: None,
                zip: Some("10117"),
                country: Some("de"),
            },
        )
        .unwrap();
        assert_eq!(berlin.city_line(), "Berlin, 10117 DE");
    }
}
