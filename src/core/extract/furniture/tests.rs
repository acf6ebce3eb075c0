//! Tests of [`super`].
use super::is_furniture;

#[test]
fn furniture_lines() {
    for p in [
        "1204 views",
        "4.8 out of 5 stars 193 total reviews • Free trial available",
        "Rated 4.5 out of 5",
        "4/5 stars",
        "1,204 Views",
        "Views: 3.4K",
        "12 comments",
        "5 min read",
        "Updated 2026-11-25 09:00",
        "25 November 2026, 10:47 GMT",
        "Tuesday, July 10, 2025 at 3:45 pm",
        "Published 2 hours ago",
        "Photo: commons.wikimedia.org by Duisenberg is licensed under Commons, the free media repository",
        "Image credit: Jane Doe",
        "© The Daily Example",
        "(AP Photo/Jane Doe)",
        "Share this article",
        "Read also:",
        "Advertisement",
        "Most read",
        "—",
        // Gallery and widget labels.
        "Image 1 of / 8",
        "3 of 12",
        "Caption",
        "Close",
        "You may also like...",
        "Read more: Council delays the vote on the bridge",
        "Image caption The mayor at the opening",
        // Caption ends and copyright footers.
        "The mayor cuts the ribbon on Monday (Image: Jane Doe)",
        "Crowds gather outside the hall on TuesdayCredit: Jane Doe",
        "The contents of this site are ©2019 Example Media Corp.",
        // Datelines in other languages, bylines glued to a timestamp.
        "segunda-feira, 22 de janeiro de 2018 às 0:13",
        "Published 4:00 am CST, Wednesday, November 20, 2019",
        "By Jane Doe - 11/18/19 11:04 PM EST",
        // Share-button rows.
        "Whatsapp Facebook Pinterest Email",
        // Datelines, bare bylines, caption toggles and credits, citations.
        "Updated on: November 19, 2019 / 10:07 AM / CBS News",
        "November 20, 2019 / 1:07 AM / CBS News",
        "Posted on Maret 30, 2015 by Admin",
        "05/10/2018 - Publicado por: Clarissa Borba - Categoria: Saúde",
        "Updated Nov. 19, 2019 8:21 am ET / Original Nov. 19, 2019 8:02 am ET",
        "By Reuters",
        "By Jane Doe and John Roe",
        "Officials shake hands in Hanoi, Vietnam, on Wednesday, Nov. 20, 2019. The minister is on a visit to strengthen military relations with the Southeast Asian nation. less",
        "Officials shake hands in Hanoi, Vietnam, on Wednesday, Nov. 20, 2019. The minister is on a visit to strengthen the military relations ... more",
        "Two executives pose for a photo at a private residence on June 28, 2019 in Montecito, California, before the announcement of the deal. (Photo by Jane Doe/Getty Images for Example Holdings)",
        "Citation: Hibernating astronauts (2019, November 18) retrieved 20 November 2019 from https://phys.org/news/x.html",
        // Labelled ads and promotions.
        "Advertisement: Buy 2 get 1 free on all winter jackets",
        "Promoted: Refinance your mortgage today at rates as low as 3.9% APR. Click here for a free quote from our partners.",
        "Sponsored content | Ten places to visit before you turn forty",
        "Anzeige: Jetzt Strom vergleichen",
    ] {
        assert!(is_furniture(p), "{p:?} should be furniture");
    }
}

#[test]
fn article_text_is_kept() {
    for p in [
        "The council met on 10 July 2025 to vote on the budget.",
        "Five people were hurt.",
        "3 out of 5 people said they would vote for the bridge.",
        "1/5 of the budget goes to roads.",
        "The photo shows the minister leaving the building after the vote.",
        "Comments from residents were mostly positive, officials said.",
        "She said: “We will share the results with everyone next week.”",
        "Reuters contributed to this report from Berlin and Paris on Tuesday.",
        "12",
        "3 1 2 45",
        "2024",
        "Ukraine",
        "In 2024, prices rose by 12 percent.",
        "Close to the river, the new bridge will carry four lanes.",
        "Ad-hoc committee formed to review the budget",
        "Promotion: the mayor said the deputy would be promoted next year after the review.",
        "Twitter and Facebook",
        "By Tuesday the council had approved the plan.",
        "By Friday",
        "November 20, 2019 - The council voted to approve the bridge on Tuesday.",
        "Updated figures show that 2019 was the warmest year on record.",
        "More or less.",
        "The council said it would spend more on roads and less",
        "The credit: a loan from the regional bank, officials said on Monday.",
        "De manhã, a câmara aprovou o projeto da nova ponte sobre o rio.",
        "Copyrighted material was removed from the site after the complaint, the court heard on Monday, according to the filing seen by reporters.",
    ] {
        assert!(!is_furniture(p), "{p:?} should be kept");
    }
}

/// The quick word bound never says "more" for a line that has `n` words or
/// fewer by the regex's count.
#[test]
fn quick_word_bound_is_a_lower_bound() {
    for p in [
        "one two three",
        "a.b.c d-e f_g",
        "— – · | ½ ² ³ ¼",
        "3.5 1,000 don't well-known COVID-19",
        "日本語のテキスト 漢字 かな",
        "e\u{301}te\u{301} cafe\u{301}",
        "",
    ] {
        let exact = super::WORD.find_iter(p).count();
        for n in 0..12 {
            if super::more_words_than(p, n) {
                assert!(exact > n, "{p:?}: {exact} words, bound said more than {n}");
            }
        }
    }
    let long = "word ".repeat(30);
    assert!(super::more_words_than(&long, 25));
    assert!(!super::more_words_than("— — — — —", 2));
}

/// The cheap marks tested before the caption regexes never rule out a
/// line the regex would match, so the result is the regex's alone.
#[test]
fn caption_prefilters_never_hide_a_match() {
    for p in [
        "The mayor at the vote (Photo by Jane Doe/Getty Images)",
        "The mayor at the vote (Photo by Jane Doe/Getty Images). ",
        "The mayor at the vote (Photo: Jane Doe) —»",
        "The mayor at the vote (Photo: Jane Doe)x",
        "Officials meet on Wednesday. less",
        "Officials meet on Wednesday ... more \u{a0}",
        "Officials meet on Wednesday … more",
        "(2019, November 18) retrieved 20 November 2019 from https://phys.org/x",
        "Plain prose without any of the marks at all.",
    ] {
        assert_eq!(
            super::CAPTION_CREDIT.is_match(p),
            super::may_end_credit(p) && super::CAPTION_CREDIT.is_match(p),
            "{p:?}"
        );
        assert_eq!(
            super::CAPTION_TOGGLE.is_match(p),
            super::may_end_toggle(p) && super::CAPTION_TOGGLE.is_match(p),
            "{p:?}"
        );
        assert_eq!(
            super::RETRIEVED.is_match(p),
            p.contains("://") && super::RETRIEVED.is_match(p),
            "{p:?}"
        );
    }
}

proptest::proptest! {
    /// The same over generated lines built from the characters the
    /// regexes and the marks look at.
    #[test]
    fn caption_prefilters_hold_on_generated_lines(
        p in "[a-zA-Z0-9_ .()/:…\u{a0}\u{301}½»—-]{0,40}(\\((Photo|image) (by|:) [a-z ]{1,10}\\))?[ .)»\u{301}½_a-z]{0,4}( less| ... more|…more)?[ \u{a0}]{0,2}"
    ) {
        if super::CAPTION_CREDIT.is_match(&p) {
            proptest::prop_assert!(super::may_end_credit(&p));
        }
        if super::CAPTION_TOGGLE.is_match(&p) {
            proptest::prop_assert!(super::may_end_toggle(&p));
        }
    }
}
