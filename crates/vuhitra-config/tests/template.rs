//! The `.env` template documents every setting, with its default.

use vuhitra_config::SETTINGS;

#[test]
fn template_lists_every_setting_with_default() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../config/.env.template");
    let template = std::fs::read_to_string(path).expect("config/.env.template exists");

    for def in SETTINGS {
        let expected = format!("# {}={}", def.name, def.default.unwrap_or(""));
        let line = template
            .lines()
            .find(|line| line.starts_with(&format!("# {}=", def.name)))
            .unwrap_or_else(|| panic!("{} is missing from config/.env.template", def.name));
        if def.default.is_some() {
            assert_eq!(
                line, expected,
                "{} shows a default other than the built-in one",
                def.name
            );
        }
    }
}
