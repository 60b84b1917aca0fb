//! Made-up identities for KYC files, by jurisdiction, so that a legal request returns a
//! record that reads like one.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::scenario::Identity;

struct Region {
    codes: &'static [&'static str],
    country: &'static str,
    nationality: &'static str,
    first: &'static [&'static str],
    last: &'static [&'static str],
}

const REGIONS: &[Region] = &[
    Region {
        codes: &["DE", "AT", "CH"],
        country: "DE",
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
        country: "RU",
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
        country: "FR",
        nationality: "French",
        first: &["Louis", "Camille", "Hugo", "Chloé", "Théo", "Manon", "Nathan", "Inès", "Lucas", "Léa"],
        last: &["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"],
    },
    Region {
        codes: &["US", "CA", "GB", "UK", "IE", "AU"],
        country: "GB",
        nationality: "British",
        first: &["James", "Olivia", "Jack", "Emily", "Harry", "Amelia", "George", "Isla", "Charlie", "Grace"],
        last: &["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker"],
    },
    Region {
        codes: &["SC", "PA", "VG", "KY", "BS"],
        country: "SC",
        nationality: "Seychellois",
        first: &["Marc", "Nadia", "Victor", "Sabrina", "Kevin", "Diana", "Ivan", "Maya", "Rafael", "Ana"],
        last: &["Hoareau", "Payet", "Pillay", "Laporte", "Morel", "Esparon", "Albert", "Dubel", "Labrosse", "Servina"],
    },
];

fn region(jurisdiction: &str) -> &'static Region {
    let j = jurisdiction.trim().to_uppercase();
    REGIONS.iter().find(|r| r.codes.contains(&j.as_str())).unwrap_or(&REGIONS[0])
}

fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// A plausible identity for a customer of a service in `jurisdiction`.
pub fn identity(rng: &mut ChaCha8Rng, jurisdiction: &str) -> Identity {
    let r = region(jurisdiction);
    let name = format!("{} {}", r.first[rng.random_range(0..r.first.len())], r.last[rng.random_range(0..r.last.len())]);
    Identity {
        name,
        nationality: Some(r.nationality.to_string()),
        document: Some(format!("passport {}{}", r.country, digits(rng, 7))),
        bank_account: Some(format!(
            "{}{} {} {} {}",
            r.country,
            digits(rng, 2),
            digits(rng, 4),
            digits(rng, 4),
            digits(rng, 6)
        )),
    }
}

/// Fills what an authored identity leaves out.
pub fn complete(rng: &mut ChaCha8Rng, given: &Identity, jurisdiction: &str) -> Identity {
    let made = identity(rng, jurisdiction);
    Identity {
        name: given.name.clone(),
        nationality: given.nationality.clone().or(made.nationality),
        document: given.document.clone().or(made.document),
        bank_account: given.bank_account.clone().or(made.bank_account),
    }
}

/// An account number in a service's style, e.g. `CB-0041237`.
pub fn account_id(service_name: &str, n: usize) -> String {
    let prefix: String =
        service_name.chars().filter(|c| c.is_ascii_alphanumeric()).take(2).collect::<String>().to_uppercase();
    format!("{}-{:07}", if prefix.is_empty() { "AC".into() } else { prefix }, 40_000 + n * 37 % 10_000_000)
}

/// An e-mail address for a name.
pub fn email(rng: &mut ChaCha8Rng, name: &str) -> String {
    let base: String = name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '.' }).collect();
    let domains = ["protonmail.com", "gmail.com", "tutanota.com", "mail.ru", "outlook.com"];
    format!("{}{}@{}", base.trim_matches('.'), rng.random_range(1..99), domains[rng.random_range(0..domains.len())])
}
