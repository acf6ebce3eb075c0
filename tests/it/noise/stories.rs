//! The article texts of the noise corpus: fifteen invented but realistic
//! news stories, short (~120 words) to long (~550 words), each with an
//! alternative headline (for the headline edit and the A/B rows), a word
//! an editor might swap, and a paragraph an update might add.

/// One story as written; [`super::Story`] is its mutable copy on a server.
pub struct StoryText {
    pub title: &'static str,
    /// The headline an edit (or an A/B test) replaces it with.
    pub alt_title: &'static str,
    pub byline: &'static str,
    pub section: &'static str,
    /// RFC 3339 publication time.
    pub published: &'static str,
    pub paragraphs: &'static [&'static str],
    /// A one-word edit: the first whole-word `.0` becomes `.1`.
    pub word_swap: (&'static str, &'static str),
    /// A paragraph an update adds at the end.
    pub update: &'static str,
}

pub use super::stories_long::LONG;

/// The short and medium stories.
pub const SHORT: &[StoryText] = &[
    StoryText {
        title: "Three dead as floods sweep through river valley towns",
        alt_title: "Floods kill three in river valley as rain keeps falling",
        byline: "Maria Keller",
        section: "World",
        published: "2026-11-30T06:10:00Z",
        paragraphs: &[
            "At least 3 people have died after flash floods swept through several towns in the upper river valley overnight, emergency services said on Sunday.",
            "Rescue teams worked through the night to reach residents trapped on the upper floors of their homes. Helicopters lifted dozens of people from rooftops in the hardest-hit villages.",
            "The regional governor declared a state of emergency and asked the army to help with evacuations. Schools in the area will remain closed until Wednesday.",
            "Forecasters warned that more heavy rain is expected in the coming days, and that river levels could rise again by Tuesday evening.",
        ],
        word_swap: ("dozens", "hundreds"),
        update: "Late on Sunday the governor said a fourth person, an elderly man, was missing after his car was swept off a bridge near the town of Ostrava.",
    },
    StoryText {
        title: "Council approves budget with new money for buses",
        alt_title: "Council backs budget after four-hour debate on buses",
        byline: "Tom Hale",
        section: "Local",
        published: "2026-11-29T18:30:00Z",
        paragraphs: &[
            "The city council voted on Tuesday to approve a new budget that expands funding for public transport and road repairs across all districts.",
            "Council members debated the proposal for more than four hours before the final vote, which passed by 7 votes to 4.",
            "The mayor said the plan would reduce commuting times and make the city's streets safer for cyclists and pedestrians alike. She called it the most ambitious transport budget in a decade.",
            "Opposition members argued that the budget relies on optimistic revenue forecasts and could force cuts to other services next year.",
            "Residents who attended the meeting were divided, with several speaking in favour of the transport plan and others raising concerns about taxes.",
            "The budget will take effect at the start of the next fiscal year, and the council will review its progress in six months.",
        ],
        word_swap: ("optimistic", "unrealistic"),
        update: "A spokesperson for the transport authority welcomed the decision and promised that the first new bus routes would open by the spring.",
    },
    StoryText {
        title: "Hospital nurses vote to strike over staffing levels",
        alt_title: "Nurses at city hospital back strike over unsafe staffing",
        byline: "Priya Natarajan",
        section: "Health",
        published: "2026-11-30T08:05:00Z",
        paragraphs: &[
            "Nurses at the city's largest hospital have voted to strike next month, saying that chronic understaffing is putting patients at risk.",
            "The union said 86 percent of members who took part in the ballot backed industrial action, on a turnout of more than two thirds.",
            "Hospital managers said they were disappointed by the result and remained open to talks. They said emergency care would continue during any strike.",
            "The union has asked for a fixed ratio of one nurse for every five patients on general wards, which managers say the hospital cannot afford without new funding from the health ministry.",
            "A first 48-hour walkout is planned for the second week of December unless an agreement is reached before then.",
        ],
        word_swap: ("disappointed", "surprised"),
        update: "The health minister said on Monday evening that she would meet union leaders this week and urged both sides to avoid disruption over the holidays.",
    },
    StoryText {
        title: "Fire destroys warehouse at port, no injuries reported",
        alt_title: "Huge blaze guts port warehouse overnight",
        byline: "Lars Brandt",
        section: "Local",
        published: "2026-11-30T04:45:00Z",
        paragraphs: &[
            "A large fire destroyed a storage warehouse at the northern port early on Monday, sending a column of black smoke over the harbour district.",
            "Firefighters said 60 crews were sent to the scene after the alarm was raised shortly after two in the morning. The roof of the building collapsed within an hour.",
            "Nobody was injured, according to the fire service, but residents nearby were told to keep their windows closed because of the smoke.",
            "The cause of the fire is not yet known. Investigators are expected to begin their work once the site has been declared safe.",
        ],
        word_swap: ("destroyed", "damaged"),
        update: "The port authority said shipping had resumed normally by midday and that the warehouse had been used to store furniture and paper goods.",
    },
    StoryText {
        title: "Researchers find bacteria that break down plastic in compost",
        alt_title: "Compost bacteria can digest common plastic, study finds",
        byline: "Elena Rossi and Samuel Okafor",
        section: "Science",
        published: "2026-11-28T14:00:00Z",
        paragraphs: &[
            "A team of microbiologists has identified a strain of bacteria living in garden compost that can break down one of the most widely used types of plastic packaging.",
            "In laboratory tests, the bacteria reduced thin films of the plastic by almost half within 12 weeks at temperatures typical of an active compost heap.",
            "The researchers said the discovery could eventually lead to industrial processes for recycling packaging that today ends up in landfill or is burned. They cautioned that such uses were still many years away.",
            "The enzyme responsible appears to work best in warm and moist conditions, which would make it suitable for large composting plants rather than household bins.",
            "Other scientists welcomed the findings but noted that several similar discoveries in the past had proved difficult to scale up outside the laboratory.",
            "The study was published on Thursday in a peer-reviewed microbiology journal, and the team has released the genome of the strain so that other laboratories can test it.",
        ],
        word_swap: ("welcomed", "questioned"),
        update: "The university said it had filed a patent application for the enzyme and was in talks with two waste management companies about a pilot project.",
    },
    StoryText {
        title: "Striker signs four-year deal in record transfer",
        alt_title: "Club breaks transfer record to sign striker",
        byline: "Jamie Doyle",
        section: "Sport",
        published: "2026-11-30T11:20:00Z",
        paragraphs: &[
            "The club confirmed on Monday that it has signed the international striker on a four-year contract, in a deal reported to be the largest in its history.",
            "The 24-year-old scored 19 goals in all competitions last season and had been followed by several of the biggest clubs in Europe.",
            "The manager said the new signing would add pace and experience to a young squad. He added that the player could make his debut at the weekend.",
            "Supporters gathered outside the stadium to greet him as he arrived for his medical.",
        ],
        word_swap: ("pace", "power"),
        update: "The club later said that the player would wear the number nine shirt, which has been vacant since the retirement of its former captain in the summer.",
    },
    StoryText {
        title: "Regional train derails after landslide, dozens hurt",
        alt_title: "Landslide derails regional train, dozens injured",
        byline: "Ana Ferreira",
        section: "World",
        published: "2026-11-30T09:15:00Z",
        paragraphs: &[
            "A regional passenger train derailed in a mountain valley on Monday morning after hitting rocks and mud brought down by a landslide, injuring dozens of people.",
            "The rail operator said 140 passengers were on board when the front two carriages left the track in a narrow cutting. Of those, 32 were taken to hospital and 5 were in serious condition.",
            "Heavy rain had fallen across the region for most of the week, and the line had been inspected only the day before, according to the operator. Local officials said the slope above the track had been considered stable.",
            "Rescuers used cranes to lift the carriages while medical teams treated the injured at a temporary post set up in a nearby school.",
            "The transport ministry has opened an investigation and suspended services on the line until further notice. Buses will replace trains between the two nearest stations.",
        ],
        word_swap: ("narrow", "deep"),
        update: "On Monday evening the operator said all passengers had been accounted for and that the driver, who was among those injured, was in a stable condition.",
    },
];
