//! The furniture the real-page evaluation adds: an agency's credit line
//! and the footers that networks of sister sites print inside the article
//! container.

/// The credit line agencies' clients print under a wire story.
pub const WIRE_CREDIT: &str = "Copyright The Associated Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.";

pub(super) const NETWORK_NAMES: [&str; 16] = [
    "Lakeshore",
    "Prairie Sun",
    "Tidewater",
    "Red Valley",
    "Northern Pines",
    "Blue Ridge",
    "Harbor Light",
    "Sandhills",
    "Twin Rivers",
    "High Plains",
    "Cedar Coast",
    "Granite State",
    "Bayou",
    "Mesa Verde",
    "Great Lakes",
    "Piedmont",
];

/// The two paragraphs a network's CMS prints inside every article.
pub fn network_footer(n: usize) -> Vec<String> {
    let name = NETWORK_NAMES[n % NETWORK_NAMES.len()];
    let v = match n % 3 {
        0 => [
            format!("This newspaper is one of the community titles of {name} Media Group. Stories, photographs and graphics on this site may not be reproduced in any form without the written permission of {name} Media Group."),
            format!("Comments on this story are moderated by the {name} Media Group staff and appear after review. Please stay on topic, be civil and use your real name; comments that break these rules will be removed."),
        ],
        1 => [
            format!("Get the day's top local stories in your inbox every morning: sign up for the free {name} Daily newsletter, or subscribe to the print edition delivered to your door."),
            format!("{name} Newspapers welcomes your feedback on our coverage. To report an error or suggest a story, call the newsroom or write to the editors; letters may be edited for length and clarity."),
        ],
        _ => [
            format!("All content copyright {name} Publishing Company and its affiliated newspapers. Use of this site constitutes acceptance of our user agreement and privacy policy, updated this year."),
            format!("Readers who share this article on social media help support local journalism in the {name} region. Follow us for breaking news, weather alerts, high school sports and community events."),
        ],
    };
    v.to_vec()
}
