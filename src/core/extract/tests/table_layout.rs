//! A 2000s table-layout story page: navigation in a left cell, the story as
//! `<BR><BR>`-separated text in the middle cell between an italic
//! "Posted N min ago by ..." line and a "Printer friendly version" line, an
//! advertisement and a hit counter in the right cell, a copyright line
//! under the table. Whatever the ad text, the counter and the relative time
//! of a load, the body must be exactly the story paragraphs.

use super::super::*;

const STORY: [&str; 4] = [
    "SPRINGFIELD -- The city council voted 7-2 on Tuesday night to rebuild the old river bridge, ending a debate that has divided the town for more than a decade.",
    "The new bridge will cost an estimated $12 million, most of it paid by a state grant. Work is expected to start next spring and to take two years.",
    "Council member Tom Hale, who voted against the plan, said the town could not afford its share of the cost and asked for a public vote on the project.",
    "Mayor Ann Lee said the old bridge had been closed to trucks since 1998 and that the detour was costing local businesses thousands of dollars a month.",
];

/// The page, with the parts that change from one load to the next.
fn page(ago: &str, ad: &str, hits: u32) -> String {
    let story = STORY.join("<BR><BR>\n");
    format!(
        r##"<HTML><HEAD><TITLE>Springfield Gazette - Council votes to rebuild the old river bridge</TITLE>
<META http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></HEAD>
<BODY bgcolor="#FFFFFF" leftmargin=0 topmargin=0>
<TABLE width="100%" border=0 cellspacing=0 cellpadding=4>
<TR><TD colspan=3 bgcolor="#000066"><FONT color="#FFFFFF" size=6><B>Springfield Gazette</B></FONT></TD></TR>
<TR>
<TD width=150 valign=top bgcolor="#EEEEEE"><FONT size=2>
<A href="/">Home</A><BR><A href="/news/">Local news</A><BR><A href="/sports/">Sports</A><BR>
<A href="/weather/">Weather</A><BR><A href="/obits/">Obituaries</A><BR><A href="/classifieds/">Classifieds</A><BR>
<A href="/archive/">Archive</A><BR><A href="/contact/">Contact us</A></FONT></TD>
<TD valign=top><FONT face="Arial" size=2>
<FONT size=4><B>Council votes to rebuild the old river bridge</B></FONT><BR>
<I>Posted {ago} by Jane Roe</I><BR><BR>
{story}<BR><BR>
<FONT size=1>Printer friendly version | E-mail this story</FONT>
</FONT></TD>
<TD width=160 valign=top align=center><FONT size=1>Advertisement</FONT><BR>
<A href="/ads/click?b=7"><FONT size=2>{ad}</FONT></A><BR><BR>
<FONT size=1>Hits: {hits}</FONT></TD>
</TR></TABLE>
<CENTER><FONT size=1>Copyright &copy; 2003 Springfield Gazette. All rights reserved.</FONT></CENTER>
</BODY></HTML>"##
    )
}

const ADS: [&str; 4] = [
    "Cheap flights!",
    "Refinance your home today at the lowest rates in twenty years, no fees",
    "Win a new car in our summer sweepstakes: enter now, winners drawn every week until August",
    "Local dentist welcomes new patients",
];
const AGO: [&str; 5] = [
    "9 min ago",
    "1 min ago",
    "43 mins ago",
    "2 hours ago",
    "11 hours ago",
];
const HITS: [u32; 4] = [75606, 7, 1204, 9_999_999];

#[test]
fn table_layout_story_is_extracted_exactly() {
    let a = extract(
        &page("9 min ago", ADS[0], 75606),
        None,
        &OutletRules::default(),
    )
    .expect("an article");
    assert_eq!(a.body, STORY, "{:#?}", a.body);
    assert_eq!(a.byline.as_deref(), Some("Jane Roe"));
    assert_eq!(a.title, "Council votes to rebuild the old river bridge");
}

#[test]
fn table_layout_is_stable_across_reloads() {
    let mut n = 0;
    for (i, ad) in ADS.iter().enumerate() {
        for (j, ago) in AGO.iter().enumerate() {
            let hits = HITS[(i + j) % HITS.len()];
            let a = extract(&page(ago, ad, hits), None, &OutletRules::default())
                .unwrap_or_else(|e| panic!("{ago} / {ad} / {hits}: {e}"));
            assert_eq!(a.body, STORY, "{ago} / {ad} / {hits}: {:#?}", a.body);
            assert_eq!(a.byline.as_deref(), Some("Jane Roe"), "{ago}");
            n += 1;
        }
    }
    assert_eq!(n, ADS.len() * AGO.len());
}
