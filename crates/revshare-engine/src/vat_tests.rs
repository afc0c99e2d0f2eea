use super::*;
use proptest::prelude::*;

fn d(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Published, valid VAT ids: each state's own examples and registered
/// companies'.
const VALID: &[(&str, &str)] = &[
    ("DE", "DE136695976"),
    ("DE", "129273398"),
    ("DE", "DE 811 907 980"),
    ("FR", "FR40303265045"),
    ("FR", "fr 03 512803495"),
    ("IT", "IT00743110157"),
    ("IT", "01114601006"),
    ("HR", "HR69435151530"),
    ("NL", "NL004495445B01"),
    ("NL", "NL123456782B01"),
    ("BE", "BE0477472701"),
    ("BE", "BE 0403.170.701"),
    ("AT", "ATU13585627"),
    ("AT", "U10223006"),
    ("PL", "PL5260250274"),
    ("PL", "774-000-14-54"),
    ("ES", "ESA28015865"),
    ("ES", "B58378431"),
    ("ES", "ES12345678Z"),
    ("ES", "X1234567L"),
    ("GB", "GB980780684"),
    ("GB", "GB434031494"),
    ("GB", "GBGD001"),
    ("GB", "GBHA500"),
    ("GR", "EL094014201"),
    ("SE", "SE556036079301"),
    ("IE", "IE6388047V"),
    ("IE", "IE1234567FA"),
    ("CY", "CY10259033P"),
    ("FI", "FI20774740"),
];

#[test]
fn published_ids_pass_with_their_prefix_kept() {
    for (country, id) in VALID {
        let checked = check_vat_id(country, id);
        assert!(checked.is_ok(), "{country} {id}: {checked:?}");
        let checked = checked.unwrap();
        assert!(checked.starts_with(prefix(country)), "{checked}");
        assert!(!checked.contains(' ') && !checked.contains('.') && !checked.contains('-'));
    }
    assert_eq!(check_vat_id("DE", "de 136-695.976").unwrap(), "DE136695976");
    assert_eq!(check_vat_id("GR", "094014201").unwrap(), "EL094014201");
}

#[test]
fn a_changed_digit_fails_the_check() {
    for (country, id) in [
        ("DE", "DE136695977"),
        ("FR", "FR41303265045"),
        ("IT", "IT00743110158"),
        ("HR", "HR69435151531"),
        ("NL", "NL004495446B01"),
        ("BE", "BE0477472702"),
        ("AT", "ATU13585628"),
        ("PL", "PL5260250275"),
        ("ES", "ESA28015866"),
        ("ES", "ES12345678A"),
        ("GB", "GB980780685"),
        ("GB", "GBGD500"),
        ("GB", "GBHA499"),
    ] {
        assert_eq!(
            check_vat_id(country, id),
            Err(VatIdError::CheckDigit),
            "{id}"
        );
    }
}

#[test]
fn each_state_refuses_what_is_not_its_form() {
    for (country, id) in [
        ("DE", "DE12345678"),
        ("DE", "DE1234567890"),
        ("AT", "AT13585627"),
        ("BE", "BE2477472701"),
        ("FR", "FRIO303265045"),
        ("NL", "NL004495445C01"),
        ("IE", "IE123456"),
        ("SE", "SE556036079302"),
        ("CY", "CY102590333"),
        ("ES", "ES1234567"),
        ("GB", "GB12345678"),
        ("PL", "PL52602502"),
        ("IT", "ITABCDEFGHIJK"),
    ] {
        assert!(
            matches!(check_vat_id(country, id), Err(VatIdError::Form(_))),
            "{id}"
        );
    }
    assert_eq!(check_vat_id("FR", "DE136695976"), Err(VatIdError::Prefix));
    assert_eq!(check_vat_id("US", "123"), Err(VatIdError::Country));
    assert_eq!(check_vat_id("CH", "CHE123456789"), Err(VatIdError::Country));
    assert_eq!(
        check_vat_id("DE", "DE12").unwrap_err().to_string(),
        "must be 9 digits"
    );
}

#[test]
fn the_standard_rates_cover_the_27_and_the_uk() {
    for (country, rate) in [
        ("DE", "19"),
        ("FR", "20"),
        ("IT", "22"),
        ("ES", "21"),
        ("NL", "21"),
        ("BE", "21"),
        ("AT", "20"),
        ("PL", "23"),
        ("IE", "23"),
        ("GB", "20"),
        ("FI", "25.5"),
        ("LU", "17"),
        ("HU", "27"),
    ] {
        assert_eq!(standard_rate(country), Some(d(rate)), "{country}");
    }
    let states = PREFIXES
        .iter()
        .map(|p| if *p == "EL" { "GR" } else { p })
        .filter(|c| in_eu(c))
        .count();
    assert_eq!(states, 27);
    assert_eq!(standard_rate("CH"), None);
    assert_eq!(standard_rate("US"), None);
    assert!(!in_eu("GB"));
}

fn partner<'a>(country: &'a str, registered: bool, vat_id: Option<&'a str>) -> PartnerVat<'a> {
    PartnerVat {
        country,
        registered,
        vat_id,
        small_business: false,
        business: false,
    }
}

#[test]
fn every_row_of_the_table() {
    use Mention::*;
    // P = B, registered: the brand's standard rate; a brand in Germany
    // says "Gutschrift" on every document.
    let domestic = decide("DE", &partner("DE", true, Some("DE136695976")));
    assert_eq!(domestic.rate, Some(d("19")));
    assert_eq!(domestic.category, Category::Standard);
    assert_eq!(domestic.mentions, [SelfBilling, Gutschrift]);
    // P ≠ B, both in the EU, registered with a well-formed id: reverse charge.
    let cross = decide("AT", &partner("FR", true, Some("FR40303265045")));
    assert_eq!(cross.rate, None);
    assert_eq!(cross.mentions, [SelfBilling, ReverseCharge]);
    assert!(cross.reverse_charge());
    assert_eq!(
        decide("DE", &partner("FR", true, Some("FR40303265045"))).mentions,
        [SelfBilling, Gutschrift, ReverseCharge]
    );
    // … without a well-formed id: no VAT, no reverse charge.
    let malformed = decide("AT", &partner("FR", true, Some("FR41303265045")));
    assert_eq!(
        malformed,
        Decision::none(Category::OutOfScope, &[SelfBilling])
    );
    // P = B, a small business, registered or with a tax number only: the
    // exemption (E), never "not subject to VAT".
    for registered in [true, false] {
        let small = PartnerVat {
            small_business: true,
            ..partner("DE", registered, None)
        };
        assert_eq!(
            decide("DE", &small),
            Decision::none(Category::Exempt, &[SelfBilling, Gutschrift, Exemption])
        );
    }
    // Not registered, or outside the EU and the UK and a private person.
    assert_eq!(
        decide("DE", &partner("DE", false, None)),
        Decision::none(Category::OutOfScope, &[SelfBilling, Gutschrift])
    );
    assert_eq!(
        decide("DE", &partner("US", true, None)),
        Decision::none(Category::OutOfScope, &[SelfBilling, Gutschrift])
    );
    assert_eq!(
        decide("AT", &partner("CH", true, Some("CHE123"))),
        Decision::none(Category::OutOfScope, &[SelfBilling])
    );
    // A business outside the EU and the UK: the brand owes the VAT (§ 13b
    // UStG in Germany), registered or not.
    let business = |country| PartnerVat {
        business: true,
        ..partner(country, false, None)
    };
    assert_eq!(
        decide("DE", &business("US")),
        Decision::none(
            Category::ReverseCharge,
            &[SelfBilling, Gutschrift, ReverseCharge, ReverseChargeDe]
        )
    );
    assert_eq!(
        decide("GB", &business("US")),
        Decision::none(Category::ReverseCharge, &[SelfBilling, ReverseCharge])
    );
    // … but a business in the EU is decided by its registration.
    assert_eq!(
        decide("DE", &business("FR")),
        Decision::none(Category::OutOfScope, &[SelfBilling, Gutschrift])
    );
    assert_eq!(
        ReverseChargeDe.text(""),
        "Steuerschuldnerschaft des Leistungsempfängers"
    );
    // B = P = GB, registered: 20 % and HMRC's sentence.
    let uk = decide("GB", &partner("GB", true, Some("GB980780684")));
    assert_eq!(uk.rate, Some(d("20")));
    assert_eq!(uk.mentions, [SelfBilling, HmrcOutputTax]);
    assert_eq!(
        HmrcOutputTax.text(""),
        "The VAT shown is your output tax due to HMRC"
    );
    assert_eq!(
        Exemption.text("Kleinunternehmer, § 19 UStG"),
        "Kleinunternehmer, § 19 UStG"
    );
    // Between the UK and the EU, registered: the customer accounts for it.
    let across = decide("GB", &partner("DE", true, Some("DE136695976")));
    assert_eq!(across.mentions, [SelfBilling, ReverseCharge]);
    // A brand outside the EU and the UK charges none.
    assert_eq!(
        decide("US", &partner("US", true, None)),
        Decision::none(Category::OutOfScope, &[SelfBilling])
    );
    assert_eq!(Category::parse("AE"), Some(Category::ReverseCharge));
    assert_eq!(
        Category::parse(Category::Exempt.code()),
        Some(Category::Exempt)
    );
}

#[test]
fn vat_is_rounded_once_away_from_zero() {
    // 10.05 at 19 % is 1.9095: 1.91. 0.50 at 19 % is 0.095: 0.10.
    assert_eq!(vat_minor(1005, d("19")), Some(191));
    assert_eq!(vat_minor(50, d("19")), Some(10));
    assert_eq!(vat_minor(-50, d("19")), Some(-10));
    // 25.5 %: 100.01 gives 25.50255: 25.50.
    assert_eq!(vat_minor(10001, d("25.5")), Some(2550));
    assert_eq!(vat_minor(0, d("20")), Some(0));
}

proptest! {
    #[test]
    fn a_credit_note_negates_its_invoice(net in -10_000_000_000i64..10_000_000_000, rate in 0u32..300) {
        let rate = Decimal::new(i64::from(rate), 1);
        prop_assert_eq!(vat_minor(-net, rate).map(|v| -v), vat_minor(net, rate));
    }

    #[test]
    fn vat_is_within_half_a_cent(net in 0i64..10_000_000_000, rate in 0u32..300) {
        let rate = Decimal::new(i64::from(rate), 1);
        let exact = Decimal::from(net) * rate / Decimal::ONE_HUNDRED;
        let vat = Decimal::from(vat_minor(net, rate).unwrap());
        prop_assert!((vat - exact).abs() <= d("0.5"));
    }

    #[test]
    fn no_id_panics_the_check(country in "[A-Z]{2}", id in "\\PC{0,20}") {
        let _ = check_vat_id(&country, &id);
    }
}
