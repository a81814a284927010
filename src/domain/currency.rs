//! Currency codes: the ISO 4217 codes of the currencies in use, wherever a currency is read
//! (quote files, the configuration).

use thiserror::Error;

/// The active ISO 4217 alphabetic codes that name money a supplier can invoice in: ISO
/// 4217 List One, as published by SIX Financial Information (the standard's maintenance
/// agency), in the state carried by Debian's iso-codes in pycountry 26.2.16 (February
/// 2026): with XCG (Caribbean guilder) and ZWG (Zimbabwe Gold), and without the withdrawn
/// ANG, BGN (Bulgaria joined the euro on 1 January 2026), CUC, HRK, SLL and ZWL. Left
/// out on purpose, though on that list: the codes that are not money one is invoiced in —
/// precious metals (XAG, XAU, XPD, XPT), bond-market units (XBA–XBD), the SDR (XDR), SUCRE
/// (XSU), ADB unit of account (XUA), Arab accounting dinar (XAD), testing (XTS) and "no
/// currency" (XXX). The fund codes (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW) stay:
/// some contracts are priced in them. Sorted, for a binary search.
const ISO_4217: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BHD", "BIF", "BMD", "BND",
    "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY",
    "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
    "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD",
    "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN",
    "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN",
    "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD",
    "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX",
    "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF",
    "YER", "ZAR", "ZMW", "ZWG",
];

/// Why a currency code was refused; the message shows the code as given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CurrencyError {
    /// Not three capital letters: `euro`, `eur`, `E1R`.
    #[error("`{0}` is not an ISO 4217 code like EUR or USD")]
    NotACode(String),
    /// Three capital letters, but no currency in use: `XYZ`, or one withdrawn (`HRK`).
    #[error("`{0}` is not the ISO 4217 code of a currency in use (EUR, USD, GBP …)")]
    Unknown(String),
}

/// Checks that `code` is the ISO 4217 code of a currency in use, written as the
/// standard writes it (three capital letters).
pub fn check_currency(code: &str) -> Result<(), CurrencyError> {
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(CurrencyError::NotACode(code.to_string()));
    }
    if ISO_4217.binary_search(&code).is_err() {
        return Err(CurrencyError::Unknown(code.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_sorted_without_repeats_and_holds_only_three_capital_letters() {
        assert!(ISO_4217.windows(2).all(|w| w[0] < w[1]));
        assert!(ISO_4217
            .iter()
            .all(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_uppercase())));
        assert_eq!(ISO_4217.len(), 164);
    }

    #[test]
    fn the_quote_files_schema_lists_the_same_codes() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../assets/quote.schema.json")).expect("the schema is JSON");
        let listed: Vec<&str> = schema["properties"]["currency"]["enum"]
            .as_array()
            .expect("the schema lists the codes")
            .iter()
            .map(|c| c.as_str().expect("a code is a string"))
            .collect();
        assert_eq!(listed, ISO_4217);
    }

    #[test]
    fn every_listed_code_is_taken() {
        for code in ISO_4217 {
            assert_eq!(check_currency(code), Ok(()), "{code}");
        }
        for code in [
            "EUR", "USD", "GBP", "CHF", "JPY", "AUD", "CAD", "XCG", "ZWG", "SLE", "VES", "CLF",
        ] {
            assert_eq!(check_currency(code), Ok(()), "{code}");
        }
    }

    #[test]
    fn three_capital_letters_that_name_no_currency_in_use_are_refused() {
        for code in [
            "XYZ", "AAA", "ZZZ", "HRK", "BGN", "DEM", "NLG", "ANG", "ZWL", "SLL", "CUC", "XAU", "XDR", "XTS", "XXX",
            "XAD", "XBA",
        ] {
            let e = check_currency(code).unwrap_err();
            assert_eq!(e, CurrencyError::Unknown(code.into()));
            assert_eq!(
                e.to_string(),
                format!("`{code}` is not the ISO 4217 code of a currency in use (EUR, USD, GBP …)")
            );
        }
    }

    #[test]
    fn anything_but_three_capital_letters_is_refused_as_not_a_code() {
        for code in ["", "EU", "EURO", "eur", "Eur", "E1R", "€", "EU ", " EUR", "ÉUR", "978"] {
            let e = check_currency(code).unwrap_err();
            assert_eq!(e, CurrencyError::NotACode(code.into()), "{code:?}");
            assert_eq!(
                e.to_string(),
                format!("`{code}` is not an ISO 4217 code like EUR or USD")
            );
        }
    }
}
