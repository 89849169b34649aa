use vuhitra_analytics::*;
#[test]
fn show() {
    let path = std::env::var("SCRATCH_FILE").unwrap();
    let options = LoadOptions::default();
    let profile = profile_file(std::path::Path::new(&path), &options, &NoProgress).unwrap();
    eprintln!("{}", render(&profile, ReportFormat::Terminal));
    eprintln!(
        "{}",
        &render(&profile, ReportFormat::Json)
            [..3000.min(render(&profile, ReportFormat::Json).len())]
    );
}
