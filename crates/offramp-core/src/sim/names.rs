//! Made-up identities for KYC files, so that a legal request returns a record that reads like
//! one: a name in the style of the exchange's jurisdiction, and a passport and bank account in
//! the style of the person's nationality, wherever the exchange is.
//!
//! The random draws are those Offramp has always made (two for the name, twenty-three digits
//! for the papers, two for the e-mail), so the same seed gives the same people: the digits
//! now seed the papers' numbers instead of being printed as they come.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::scenario::Identity;

struct Region {
    codes: &'static [&'static str],
    nationality: &'static str,
    first: &'static [&'static str],
    last: &'static [&'static str],
}

const REGIONS: &[Region] = &[
    Region {
        codes: &["DE", "AT", "CH"],
        nationality: "German",
        first: &["Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Tobias", "Sophie", "Jan", "Katrin"],
        last: &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Wagner",
            "Becker",
            "Hoffmann",
            "Keller",
            "Vogel",
        ],
    },
    Region {
        codes: &["RU", "BY", "KZ", "KG"],
        nationality: "Russian",
        first: &["Dmitry", "Olga", "Sergey", "Irina", "Alexei", "Natalia", "Pavel", "Yulia", "Artem", "Elena"],
        last: &[
            "Ivanov",
            "Smirnova",
            "Kuznetsov",
            "Popova",
            "Sokolov",
            "Lebedeva",
            "Kozlov",
            "Novikova",
            "Morozov",
            "Volkova",
        ],
    },
    Region {
        codes: &["FR", "BE", "LU"],
        nationality: "French",
        first: &["Louis", "Camille", "Hugo", "Chloé", "Théo", "Manon", "Nathan", "Inès", "Lucas", "Léa"],
        last: &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"],
    },
    Region {
        codes: &["US", "CA", "GB", "UK", "IE", "AU"],
        nationality: "British",
        first: &["James", "Olivia", "Jack", "Emily", "Harry", "Amelia", "George", "Isla", "Charlie", "Grace"],
        last: &["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker"],
    },
    Region {
        codes: &["SC", "PA", "VG", "KY", "BS"],
        nationality: "Seychellois",
        first: &["Marc", "Nadia", "Victor", "Sabrina", "Kevin", "Diana", "Ivan", "Maya", "Rafael", "Ana"],
        last: &["Hoareau", "Payet", "Pillay", "Laporte", "Morel", "Esparon", "Albert", "Dubel", "Labrosse", "Servina"],
    },
];

/// How one country's papers look.
///
/// Patterns: `@` is a capital letter (not I or O), `#` a digit, `%` a digit other than 0, `*`
/// a letter or digit of the kind passports use, anything else itself. The formats are the
/// usual shapes (length, letters, digits, prefixes), plausible rather than checked.
struct Country {
    /// ISO 3166-1 alpha-2.
    code: &'static str,
    /// The issuing country, as a KYC file names it.
    name: &'static str,
    /// What an instructor may write as the nationality: demonyms and other names of the
    /// country (the code is accepted too), in any case.
    names: &'static [&'static str],
    /// The passport number.
    passport: &'static str,
    bank: Bank,
}

/// A bank account in a country's style.
enum Bank {
    /// An IBAN with this BBAN; the check digits are computed, so it validates.
    Iban(&'static str),
    /// A domestic account where the country does not use IBANs, written as its banks do.
    Local(&'static str),
}

use Bank::{Iban, Local};

#[rustfmt::skip]
const COUNTRIES: &[Country] = &[
    // The nationalities the generator writes (see REGIONS) come first.
    Country { code: "DE", name: "Germany", names: &["German", "Germany", "Deutschland"], passport: "C********", bank: Iban("##################") },
    Country { code: "RU", name: "Russia", names: &["Russian", "Russia", "Russian Federation"], passport: "7# #######", bank: Local("account 40817810############, BIC 04#######") },
    Country { code: "FR", name: "France", names: &["French", "France"], passport: "##@@#####", bank: Iban("#######################") },
    Country { code: "GB", name: "United Kingdom", names: &["British", "English", "Scottish", "Welsh", "Northern Irish", "United Kingdom", "UK", "Great Britain", "Britain", "England", "Scotland", "Wales"], passport: "#########", bank: Iban("@@@@##############") },
    Country { code: "SC", name: "Seychelles", names: &["Seychellois", "Seychelles"], passport: "@#######", bank: Iban("@@@@####################SCR") },
    // Europe.
    Country { code: "AT", name: "Austria", names: &["Austrian", "Austria"], passport: "@#######", bank: Iban("################") },
    Country { code: "BE", name: "Belgium", names: &["Belgian", "Belgium"], passport: "@@######", bank: Iban("############") },
    Country { code: "BG", name: "Bulgaria", names: &["Bulgarian", "Bulgaria"], passport: "#########", bank: Iban("@@@@##############") },
    Country { code: "CH", name: "Switzerland", names: &["Swiss", "Switzerland"], passport: "@#######", bank: Iban("#################") },
    Country { code: "CZ", name: "Czechia", names: &["Czech", "Czechia", "Czech Republic"], passport: "########", bank: Iban("####################") },
    Country { code: "DK", name: "Denmark", names: &["Danish", "Dane", "Denmark"], passport: "#########", bank: Iban("##############") },
    Country { code: "EE", name: "Estonia", names: &["Estonian", "Estonia"], passport: "K#######", bank: Iban("################") },
    Country { code: "ES", name: "Spain", names: &["Spanish", "Spaniard", "Spain"], passport: "@@@######", bank: Iban("####################") },
    Country { code: "FI", name: "Finland", names: &["Finnish", "Finn", "Finland"], passport: "@@#######", bank: Iban("##############") },
    Country { code: "GR", name: "Greece", names: &["Greek", "Greece"], passport: "@@#######", bank: Iban("#######################") },
    Country { code: "HR", name: "Croatia", names: &["Croatian", "Croat", "Croatia"], passport: "#########", bank: Iban("#################") },
    Country { code: "HU", name: "Hungary", names: &["Hungarian", "Hungary"], passport: "@@#######", bank: Iban("########################") },
    Country { code: "IE", name: "Ireland", names: &["Irish", "Ireland"], passport: "@@#######", bank: Iban("@@@@##############") },
    Country { code: "IT", name: "Italy", names: &["Italian", "Italy"], passport: "@@#######", bank: Iban("@######################") },
    Country { code: "LT", name: "Lithuania", names: &["Lithuanian", "Lithuania"], passport: "########", bank: Iban("################") },
    Country { code: "LU", name: "Luxembourg", names: &["Luxembourgish", "Luxembourger", "Luxembourg"], passport: "@@######", bank: Iban("################") },
    Country { code: "LV", name: "Latvia", names: &["Latvian", "Latvia"], passport: "@@#######", bank: Iban("@@@@#############") },
    Country { code: "NL", name: "Netherlands", names: &["Dutch", "Netherlands", "The Netherlands", "Holland"], passport: "@@******#", bank: Iban("@@@@##########") },
    Country { code: "NO", name: "Norway", names: &["Norwegian", "Norway"], passport: "@@#######", bank: Iban("###########") },
    Country { code: "PL", name: "Poland", names: &["Polish", "Pole", "Poland"], passport: "@@#######", bank: Iban("########################") },
    Country { code: "PT", name: "Portugal", names: &["Portuguese", "Portugal"], passport: "@######", bank: Iban("#####################") },
    Country { code: "RO", name: "Romania", names: &["Romanian", "Romania"], passport: "########", bank: Iban("@@@@################") },
    Country { code: "RS", name: "Serbia", names: &["Serbian", "Serb", "Serbia"], passport: "#########", bank: Iban("##################") },
    Country { code: "SE", name: "Sweden", names: &["Swedish", "Swede", "Sweden"], passport: "########", bank: Iban("####################") },
    Country { code: "SI", name: "Slovenia", names: &["Slovenian", "Slovene", "Slovenia"], passport: "P@#######", bank: Iban("###############") },
    Country { code: "SK", name: "Slovakia", names: &["Slovak", "Slovakian", "Slovakia"], passport: "@@######", bank: Iban("####################") },
    Country { code: "UA", name: "Ukraine", names: &["Ukrainian", "Ukraine"], passport: "@@######", bank: Iban("#########################") },
    Country { code: "BY", name: "Belarus", names: &["Belarusian", "Belarussian", "Belarus"], passport: "@@#######", bank: Iban("@@@@####################") },
    Country { code: "TR", name: "Türkiye", names: &["Turkish", "Turk", "Turkey", "Türkiye"], passport: "U########", bank: Iban("#####0################") },
    // The Caucasus, Central Asia and the Shanghai Cooperation Organisation.
    Country { code: "AM", name: "Armenia", names: &["Armenian", "Armenia"], passport: "@@#######", bank: Local("account %###############") },
    Country { code: "AZ", name: "Azerbaijan", names: &["Azerbaijani", "Azeri", "Azerbaijan"], passport: "C########", bank: Iban("@@@@####################") },
    Country { code: "GE", name: "Georgia", names: &["Georgian", "Georgia"], passport: "##@@#####", bank: Iban("@@################") },
    Country { code: "KZ", name: "Kazakhstan", names: &["Kazakh", "Kazakhstani", "Kazakhstan"], passport: "N########", bank: Iban("################") },
    Country { code: "KG", name: "Kyrgyzstan", names: &["Kyrgyz", "Kyrgyzstani", "Kyrgyzstan"], passport: "AC#######", bank: Local("account 1%##############") },
    Country { code: "TJ", name: "Tajikistan", names: &["Tajik", "Tajikistani", "Tajikistan"], passport: "#########", bank: Local("account 20202972############") },
    Country { code: "UZ", name: "Uzbekistan", names: &["Uzbek", "Uzbekistani", "Uzbekistan"], passport: "@@#######", bank: Local("account 20206000############, MFO 00###") },
    Country { code: "CN", name: "China", names: &["Chinese", "China"], passport: "E########", bank: Local("account 6222 0%## #### #### ###") },
    Country { code: "IN", name: "India", names: &["Indian", "India"], passport: "@#######", bank: Local("account ############, IFSC @@@@0******") },
    Country { code: "IR", name: "Iran", names: &["Iranian", "Iran"], passport: "@########", bank: Iban("0#####################") },
    Country { code: "PK", name: "Pakistan", names: &["Pakistani", "Pakistan"], passport: "@@#######", bank: Iban("@@@@################") },
    // Elsewhere.
    Country { code: "IL", name: "Israel", names: &["Israeli", "Israel"], passport: "########", bank: Iban("###################") },
    Country { code: "NG", name: "Nigeria", names: &["Nigerian", "Nigeria"], passport: "@########", bank: Local("account 0#########") },
    Country { code: "TH", name: "Thailand", names: &["Thai", "Thailand"], passport: "@@#######", bank: Local("account ###-#-#####-#") },
    Country { code: "US", name: "United States", names: &["American", "United States", "United States of America", "USA"], passport: "A########", bank: Local("routing 0%#######, account ##########") },
    Country { code: "CA", name: "Canada", names: &["Canadian", "Canada"], passport: "@@######", bank: Local("transit #####, institution 0##, account #######") },
    Country { code: "AU", name: "Australia", names: &["Australian", "Australia"], passport: "@#######", bank: Local("BSB 0%#-###, account ########") },
    Country { code: "BR", name: "Brazil", names: &["Brazilian", "Brazil"], passport: "@@######", bank: Iban("#######################C1") },
    Country { code: "CO", name: "Colombia", names: &["Colombian", "Colombia"], passport: "@@######", bank: Local("account ###-######-##") },
    Country { code: "MX", name: "Mexico", names: &["Mexican", "Mexico"], passport: "@########", bank: Local("CLABE 0%################") },
];

/// A passport with no country's style, for a nationality Offramp has none for.
const GENERIC_PASSPORT: &str = "#########";
/// A bank account with no country's style.
const GENERIC_ACCOUNT: &str = "account #### #### #### ####";

fn region(jurisdiction: &str) -> &'static Region {
    let j = jurisdiction.trim().to_uppercase();
    REGIONS.iter().find(|r| r.codes.contains(&j.as_str())).unwrap_or(&REGIONS[0])
}

/// The country whose papers a person of this nationality carries, if Offramp knows its style.
fn country(nationality: &str) -> Option<&'static Country> {
    let n = nationality.trim();
    COUNTRIES
        .iter()
        .find(|c| c.code.eq_ignore_ascii_case(n) || c.names.iter().any(|x| x.to_lowercase() == n.to_lowercase()))
}

/// A person drawn for a jurisdiction: the name, the region's nationality, and the seed of
/// their papers' numbers.
struct Drawn {
    name: String,
    nationality: &'static str,
    papers: u64,
}

/// Makes exactly the draws Offramp has always made for a person: the first name, the last
/// name, then 7 + 2 + 4 + 4 + 6 digits (once printed as the passport and bank numbers).
fn draw(rng: &mut ChaCha8Rng, jurisdiction: &str) -> Drawn {
    let r = region(jurisdiction);
    let name = format!("{} {}", r.first[rng.random_range(0..r.first.len())], r.last[rng.random_range(0..r.last.len())]);
    let mut papers = 0xcbf2_9ce4_8422_2325u64;
    for _ in 0..7 + 2 + 4 + 4 + 6 {
        papers = (papers ^ u64::from(rng.random_range(0..10u8))).wrapping_mul(0x0000_0100_0000_01b3);
    }
    Drawn { name, nationality: r.nationality, papers }
}

/// Fills a pattern (see [`Country`]).
fn fill(rng: &mut ChaCha8Rng, pattern: &str) -> String {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const PASSPORT: &[u8] = b"CFGHJKLMNPRTVWXYZ0123456789";
    pattern
        .chars()
        .map(|c| match c {
            '@' => char::from(LETTERS[rng.random_range(0..LETTERS.len())]),
            '#' => char::from(b'0' + rng.random_range(0..10u8)),
            '%' => char::from(b'1' + rng.random_range(0..9u8)),
            '*' => char::from(PASSPORT[rng.random_range(0..PASSPORT.len())]),
            other => other,
        })
        .collect()
}

/// An IBAN of `country` around `bban`, with its check digits, written in groups of four.
fn iban(country: &str, bban: &str) -> String {
    // ISO 13616: the BBAN, the country and "00", letters as 10 to 35, modulo 97.
    let mut rem = 0u32;
    for c in bban.chars().chain(country.chars()).chain("00".chars()) {
        let v = c.to_digit(36).unwrap_or(0);
        rem = if v < 10 { (rem * 10 + v) % 97 } else { (rem * 100 + v) % 97 };
    }
    let plain = format!("{country}{:02}{bban}", 98 - rem);
    let groups: Vec<String> = plain.as_bytes().chunks(4).map(|g| String::from_utf8_lossy(g).into_owned()).collect();
    groups.join(" ")
}

/// A passport and a bank account for a person of `nationality`, numbered from `seed`.
fn papers(nationality: Option<&str>, seed: u64) -> (String, String) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    match nationality.and_then(country) {
        Some(c) => {
            let passport = format!("passport {} ({})", fill(&mut rng, c.passport), c.name);
            let bank = match c.bank {
                Iban(bban) => iban(c.code, &fill(&mut rng, bban)),
                Local(pattern) => fill(&mut rng, pattern),
            };
            (passport, bank)
        }
        None => (format!("passport {}", fill(&mut rng, GENERIC_PASSPORT)), fill(&mut rng, GENERIC_ACCOUNT)),
    }
}

/// A plausible identity for a customer of a service in `jurisdiction`.
pub fn identity(rng: &mut ChaCha8Rng, jurisdiction: &str) -> Identity {
    let d = draw(rng, jurisdiction);
    let (document, bank_account) = papers(Some(d.nationality), d.papers);
    Identity {
        name: d.name,
        nationality: Some(d.nationality.to_string()),
        document: Some(document),
        bank_account: Some(bank_account),
    }
}

/// Fills what an authored identity leaves out: the nationality from the jurisdiction, the
/// papers in the style of the nationality (given or made up).
pub fn complete(rng: &mut ChaCha8Rng, given: &Identity, jurisdiction: &str) -> Identity {
    let d = draw(rng, jurisdiction);
    let nationality = given.nationality.clone().unwrap_or_else(|| d.nationality.to_string());
    let (document, bank_account) = papers(Some(&nationality), d.papers);
    Identity {
        name: given.name.clone(),
        nationality: Some(nationality),
        document: given.document.clone().or(Some(document)),
        bank_account: given.bank_account.clone().or(Some(bank_account)),
    }
}

/// Given and family names of the people a variant makes up, for nationalities that
/// [`REGIONS`] (the names drawn by jurisdiction) does not cover. Family names agree with the
/// given names (the Slavic lists are one gender), so that no made-up name reads wrong.
struct People {
    codes: &'static [&'static str],
    first: &'static [&'static str],
    last: &'static [&'static str],
}

const PEOPLE: &[People] = &[
    People {
        codes: &["CZ", "SK"],
        first: &["Marek", "Tomáš", "Jakub", "Petr", "Lukáš", "Martin", "Ondřej", "Jiří", "Pavel", "Filip"],
        last: &["Novák", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec", "Král"],
    },
    People {
        codes: &["PL"],
        first: &["Piotr", "Krzysztof", "Tomasz", "Paweł", "Michał", "Marcin", "Adam", "Łukasz", "Kamil", "Jakub"],
        last: &["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński"],
    },
    People {
        codes: &["UA"],
        first: &["Oleksandr", "Andriy", "Serhiy", "Mykola", "Taras", "Bohdan", "Yuriy", "Vasyl", "Ihor", "Denys"],
        last: &["Shevchenko", "Bondarenko", "Kovalenko", "Tkachenko", "Kravchenko", "Melnyk", "Boyko", "Moroz"],
    },
    People {
        codes: &["ES", "MX", "CO"],
        first: &["Javier", "Lucía", "Carlos", "Marta", "Alejandro", "Paula", "Daniel", "Elena", "Pablo", "Sara"],
        last: &["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez"],
    },
    People {
        codes: &["IT"],
        first: &["Marco", "Giulia", "Luca", "Chiara", "Matteo", "Francesca", "Andrea", "Sara", "Davide", "Elena"],
        last: &["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino"],
    },
    People {
        codes: &["NL"],
        first: &["Daan", "Sanne", "Bram", "Lotte", "Thijs", "Eva", "Lars", "Femke", "Ruben", "Anouk"],
        last: &["de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Visser", "Smit", "Meijer"],
    },
];

/// The given and family names a person of `nationality` is drawn from.
fn people(nationality: &str) -> (&'static [&'static str], &'static [&'static str]) {
    let code = country(nationality).map(|c| c.code);
    if let Some(p) = PEOPLE.iter().find(|p| code.is_some_and(|c| p.codes.contains(&c))) {
        return (p.first, p.last);
    }
    let r = REGIONS
        .iter()
        .find(|r| code.is_some_and(|c| r.codes.contains(&c)) || r.nationality.eq_ignore_ascii_case(nationality.trim()))
        .unwrap_or(&REGIONS[3]);
    (r.first, r.last)
}

/// The person a variant puts in place of an authored identity: the same nationality (so the
/// story still reads true), a made-up name and papers. Drawn from the seed and the holder
/// alone, so that one person is the same at every exchange where they hold an account; never
/// the authored name, so that a trainee on another seed cannot copy the answer of the
/// scenario's own world.
pub fn variant(seed: u64, holder: usize, given: &Identity, jurisdiction: &str) -> Identity {
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ 0x5641_5249_414e_5453 ^ (holder as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let nationality = given.nationality.clone().unwrap_or_else(|| region(jurisdiction).nationality.to_string());
    let (first, last) = people(&nationality);
    let name = loop {
        let name = format!("{} {}", first[rng.random_range(0..first.len())], last[rng.random_range(0..last.len())]);
        if !name.eq_ignore_ascii_case(given.name.trim()) {
            break name;
        }
    };
    let (document, bank_account) = papers(Some(&nationality), rng.random());
    Identity { name, nationality: Some(nationality), document: Some(document), bank_account: Some(bank_account) }
}

/// An account number in a service's style, e.g. `CB-0041237`.
pub fn account_id(service_name: &str, n: usize) -> String {
    let prefix: String =
        service_name.chars().filter(|c| c.is_ascii_alphanumeric()).take(2).collect::<String>().to_uppercase();
    format!("{}-{:07}", if prefix.is_empty() { "AC".into() } else { prefix }, 40_000 + n * 37 % 10_000_000)
}

/// An e-mail address for a name: the name in ASCII (`Marek Novák` → `marek.novak`, any
/// script transliterated), dots between its words, a number and a common provider.
pub fn email(rng: &mut ChaCha8Rng, name: &str) -> String {
    let ascii = deunicode::deunicode(name).to_lowercase();
    let mut base = String::new();
    for word in ascii.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if !base.is_empty() {
            base.push('.');
        }
        base.push_str(word);
    }
    if base.is_empty() {
        base.push_str("customer");
    }
    let domains = ["protonmail.com", "gmail.com", "tutanota.com", "mail.ru", "outlook.com"];
    format!("{}{}@{}", base, rng.random_range(1..99), domains[rng.random_range(0..domains.len())])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `text` has the shape of `pattern` (see [`Country`]).
    fn shaped(pattern: &str, text: &str) -> bool {
        pattern.chars().count() == text.chars().count()
            && pattern.chars().zip(text.chars()).all(|(p, t)| match p {
                '@' => t.is_ascii_uppercase() && t != 'I' && t != 'O',
                '#' => t.is_ascii_digit(),
                '%' => t.is_ascii_digit() && t != '0',
                '*' => t.is_ascii_uppercase() || t.is_ascii_digit(),
                other => other == t,
            })
    }

    fn valid_iban(text: &str) -> bool {
        let s: String = text.chars().filter(|c| *c != ' ').collect();
        let moved = format!("{}{}", &s[4..], &s[..4]);
        moved.chars().fold(0u32, |r, c| {
            let v = c.to_digit(36).unwrap();
            if v < 10 { (r * 10 + v) % 97 } else { (r * 100 + v) % 97 }
        }) == 1
    }

    /// Whether a passport and a bank account are in `c`'s style.
    fn follows(c: &Country, document: &str, bank: &str) -> bool {
        let Some(number) = document.strip_prefix("passport ").and_then(|d| d.strip_suffix(&format!(" ({})", c.name)))
        else {
            return false;
        };
        let bank_ok = match c.bank {
            Iban(bban) => {
                let plain: String = bank.chars().filter(|c| *c != ' ').collect();
                plain.starts_with(c.code) && shaped(bban, &plain[4..]) && valid_iban(bank)
            }
            Local(pattern) => shaped(pattern, bank),
        };
        shaped(c.passport, number) && bank_ok
    }

    #[test]
    fn every_nationality_the_generator_writes_has_papers_of_its_own_country() {
        for r in REGIONS {
            let c = country(r.nationality).unwrap_or_else(|| panic!("no style for {}", r.nationality));
            for code in r.codes {
                for seed in 0..20 {
                    let id = identity(&mut ChaCha8Rng::seed_from_u64(seed), code);
                    assert_eq!(id.nationality.as_deref(), Some(r.nationality));
                    let (doc, bank) = (id.document.unwrap(), id.bank_account.unwrap());
                    assert!(follows(c, &doc, &bank), "{code}: {} {doc} / {bank}", r.nationality);
                }
            }
        }
    }

    #[test]
    fn authored_nationalities_get_papers_of_their_own_country_not_the_exchanges() {
        for c in COUNTRIES {
            for name in c.names.iter().copied().chain([c.code]) {
                for (seed, jurisdiction) in ["DE", "GB", "SC", "EU"].into_iter().enumerate() {
                    let given = Identity {
                        name: "Test Person".into(),
                        nationality: Some(name.to_uppercase()),
                        document: None,
                        bank_account: None,
                    };
                    let id = complete(&mut ChaCha8Rng::seed_from_u64(seed as u64), &given, jurisdiction);
                    let (doc, bank) = (id.document.unwrap(), id.bank_account.unwrap());
                    assert!(follows(c, &doc, &bank), "{name} at {jurisdiction}: {doc} / {bank}");
                }
            }
        }
        let pk = Identity {
            name: "Imran Qureshi".into(),
            nationality: Some("Pakistani".into()),
            document: None,
            bank_account: None,
        };
        let id = complete(&mut ChaCha8Rng::seed_from_u64(1), &pk, "DE");
        assert!(id.document.unwrap().ends_with(" (Pakistan)"));
        assert!(id.bank_account.unwrap().starts_with("PK"));
    }

    #[test]
    fn a_nationality_without_a_style_gets_generic_papers_not_german_ones() {
        for nationality in ["Martian", "Atlantean", ""] {
            let given = Identity {
                name: "X Y".into(),
                nationality: Some(nationality.into()),
                document: None,
                bank_account: None,
            };
            let id = complete(&mut ChaCha8Rng::seed_from_u64(3), &given, "DE");
            let (doc, bank) = (id.document.unwrap(), id.bank_account.unwrap());
            assert!(shaped(&format!("passport {GENERIC_PASSPORT}"), &doc), "{doc}");
            assert!(shaped(GENERIC_ACCOUNT, &bank), "{bank}");
        }
    }

    #[test]
    fn authored_papers_are_kept_as_written() {
        let given = Identity {
            name: "Dmitri Sokolov".into(),
            nationality: Some("Russian".into()),
            document: None,
            bank_account: Some("DE44 5001 0517 5407 3249 31".into()),
        };
        let id = complete(&mut ChaCha8Rng::seed_from_u64(5), &given, "DE");
        assert_eq!(id.bank_account.as_deref(), Some("DE44 5001 0517 5407 3249 31"));
        assert!(id.document.unwrap().ends_with(" (Russia)"));
    }

    #[test]
    fn ibans_carry_their_check_digits() {
        // The examples of the IBAN registry.
        assert_eq!(iban("DE", "370400440532013000"), "DE89 3704 0044 0532 0130 00");
        assert_eq!(iban("GB", "NWBK60161331926819"), "GB29 NWBK 6016 1331 9268 19");
        assert_eq!(iban("PK", "SCBL0000001123456702"), "PK36 SCBL 0000 0011 2345 6702");
    }

    #[test]
    fn people_are_drawn_with_the_same_random_numbers_as_before() {
        // The draws Offramp made before papers followed the nationality: the same seed must
        // still give the same names, e-mails and everything drawn after them.
        for jurisdiction in ["DE", "RU", "FR", "GB", "SC", "EU"] {
            let mut now = ChaCha8Rng::seed_from_u64(42);
            let mut before = now.clone();
            let person = identity(&mut now, jurisdiction);
            let r = region(jurisdiction);
            let first = r.first[before.random_range(0..r.first.len())];
            let last = r.last[before.random_range(0..r.last.len())];
            for _ in 0..23 {
                before.random_range(0..10u8);
            }
            assert_eq!(person.name, format!("{first} {last}"));
            assert_eq!(now.random::<u64>(), before.random::<u64>(), "{jurisdiction}");
            let given = Identity {
                name: "Marek Novák".into(),
                nationality: Some("Czech".into()),
                document: None,
                bank_account: None,
            };
            let mut now = ChaCha8Rng::seed_from_u64(7);
            let mut before = now.clone();
            complete(&mut now, &given, jurisdiction);
            email(&mut now, "Marek Novák");
            before.random_range(0..r.first.len());
            before.random_range(0..r.last.len());
            for _ in 0..23 {
                before.random_range(0..10u8);
            }
            before.random_range(1..99);
            before.random_range(0..5usize);
            assert_eq!(now.random::<u64>(), before.random::<u64>(), "{jurisdiction}");
        }
    }

    #[test]
    fn emails_are_ascii_and_keep_every_letter_of_the_name() {
        for (name, base) in [
            ("Marek Novák", "marek.novak"),
            ("Anna Müller", "anna.muller"),
            ("Inès Durand", "ines.durand"),
            ("Łukasz Wróbel", "lukasz.wrobel"),
            ("Søren Straße", "soren.strasse"),
            ("Jean--Luc  O'Neil", "jean.luc.o.neil"),
            ("Дмитрий Соколов", "dmitrii.sokolov"),
            ("王小明", "wang.xiao.ming"),
            ("\u{e000}", "customer"),
        ] {
            let e = email(&mut ChaCha8Rng::seed_from_u64(1), name);
            assert!(e.is_ascii(), "{e}");
            let (local, _) = e.split_once('@').unwrap();
            let stem = local.trim_end_matches(|c: char| c.is_ascii_digit());
            assert_eq!(stem, base, "{name} gave {e}");
        }
    }

    #[test]
    fn a_variant_makes_up_a_person_of_the_same_nationality_and_keeps_them_across_exchanges() {
        let given = Identity {
            name: "Marek Novák".into(),
            nationality: Some("Czech".into()),
            document: None,
            bank_account: None,
        };
        let mut names = std::collections::BTreeSet::new();
        for seed in 0..40 {
            let a = variant(seed, 3, &given, "EU");
            assert_ne!(a.name, given.name);
            assert_eq!(a.nationality.as_deref(), Some("Czech"));
            assert!(PEOPLE[0].last.iter().any(|l| a.name.ends_with(l)), "{}", a.name);
            assert!(a.document.as_deref().is_some_and(|d| d.ends_with("(Czechia)")), "{:?}", a.document);
            // The same person wherever they hold an account.
            assert_eq!(variant(seed, 3, &given, "SC"), a);
            names.insert(a.name);
        }
        assert!(names.len() > 15, "40 seeds gave only {} names", names.len());
        // Another holder on the same seed is somebody else (most of the time).
        let others = (0..40).filter(|&s| variant(s, 4, &given, "EU").name != variant(s, 3, &given, "EU").name).count();
        assert!(others > 30);
    }
}
