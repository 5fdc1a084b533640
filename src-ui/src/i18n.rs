//! Every text the UI shows, in Danish (the default) and English. A text is looked up by key,
//! so a missing translation is a compile error, not an empty label.

use samtale_ipc::ErrorKind;
use samtale_ipc::commands::Language;

macro_rules! catalogue {
    ($($key:ident => $da:expr, $en:expr;)*) => {
        /// Text keys.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum K { $($key),* }

        /// The text for `key` in `lang`.
        pub fn t(lang: Language, key: K) -> &'static str {
            match (key, lang) {
                $((K::$key, Language::Da) => $da, (K::$key, Language::En) => $en,)*
            }
        }

        #[cfg(test)]
        pub const ALL: &[K] = &[$(K::$key),*];
    };
}

catalogue! {
    AppName => "Samtale", "Samtale";
    Welcome => "Velkommen til Samtale", "Welcome to Samtale";
    WelcomeLead => "Her kan du skrive sikkert med din sagsbehandler. Du har fået en kode af din sagsbehandler.", "Here you can write securely with your caseworker. Your caseworker has given you a code.";
    HaveCode => "Jeg har en kode", "I have a code";
    StaffLogin => "Log ind som medarbejder", "Staff login";
    Code => "Invitationskode", "Invitation code";
    CodeHint => "16 tegn, fx ABCD-EFGH-JKMN-PQRS, eller indsæt teksten fra QR-koden", "16 characters, e.g. ABCD-EFGH-JKMN-PQRS, or paste the QR code's text";
    Server => "Serveradresse", "Server address";
    YourName => "Dit navn", "Your name";
    Join => "Tilslut", "Join";
    Joining => "Tilslutter …", "Joining …";
    Municipality => "Kommune (kort navn)", "Municipality (short name)";
    Username => "Brugernavn", "Username";
    Password => "Adgangskode", "Password";
    LogIn => "Log ind", "Log in";
    Conversations => "Samtaler", "Conversations";
    NoConversations => "Ingen samtaler endnu. Din sagsbehandler starter samtalen.", "No conversations yet. Your caseworker starts the conversation.";
    Unread => "ulæste", "unread";
    Offline => "Du er offline. Beskeder, du skriver, bliver sendt, når forbindelsen er tilbage.", "You are offline. Messages you write are sent when the connection is back.";
    WriteMessage => "Skriv en besked", "Write a message";
    SendHint => "Enter sender, Shift+Enter giver ny linje", "Enter sends, Shift+Enter adds a line";
    Send => "Send", "Send";
    Queued => "Venter på forbindelse", "Waiting for connection";
    Sent => "Sendt", "Sent";
    Planned => "Planlagt: sendes på tidspunktet", "Planned: goes out at this time";
    Failed => "Kunne ikke sendes", "Could not be sent";
    Retry => "Prøv igen", "Try again";
    ReadBy => "Læst af", "Read by";
    DeliveredTo => "Modtaget af", "Delivered to";
    Today => "I dag", "Today";
    Yesterday => "I går", "Yesterday";
    PickConversation => "Vælg en samtale", "Choose a conversation";
    Back => "Tilbage", "Back";
    Settings => "Indstillinger", "Settings";
    Language => "Sprog", "Language";
    Previews => "Vis afsender og tekst i notifikationer", "Show sender and text in notifications";
    PreviewsHint => "Fra: notifikationer siger kun \"Ny besked fra Samtale\".", "Off: notifications only say \"New message from Samtale\".";
    MyCode => "Denne enheds sikkerhedskode", "This device's safety code";
    SafetyCodes => "Sikkerhedskoder", "Safety codes";
    SafetyHint => "Sammenlign koden med den, den anden ser på sin skærm. Er de ens, skriver I med de rigtige.", "Compare the code with the one the other person sees. If they match, you are talking to the right people.";
    Verified => "bekræftet med invitationen", "verified by the invitation";
    NotVerified => "ikke bekræftet", "not verified";
    CheckFailed => "ADVARSEL: kunne ikke bekræftes", "WARNING: could not be verified";
    Close => "Luk", "Close";
    Invite => "Inviter", "Invite";
    Role => "Hvem", "Who";
    Youth => "Ung", "Young person";
    Parent => "Forælder", "Parent";
    ParentOf => "Forælder til", "Parent of";
    Name => "Navn", "Name";
    CreateInvitation => "Lav invitation", "Create invitation";
    InvitationReady => "Giv koden til borgeren, eller lad dem scanne QR-koden", "Give the code to the citizen, or let them scan the QR code";
    Expires => "Udløber", "Expires";
    NewThread => "Ny samtale", "New conversation";
    Kind => "Slags", "Kind";
    KindYouth => "Den unge alene", "The young person alone";
    KindParents => "Forældrene", "The parents";
    KindFamily => "Hele familien", "The whole family";
    Members => "Deltagere", "Members";
    Start => "Start samtale", "Start conversation";
    Search => "Søg i beskeder", "Search messages";
    NoResults => "Ingen beskeder fundet", "No messages found";
    Desk => "Sagsbehandler", "Caseworker";
    TooLong => "Beskeden er for lang. Del den op i flere beskeder.", "The message is too long. Split it into several.";
    Empty => "Skriv noget først.", "Write something first.";
    LoadingOlder => "Henter ældre beskeder …", "Loading older messages …";
    ScrollForOlder => "Rul op for at se ældre beskeder", "Scroll up for older messages";
    SignedOutTitle => "Du er logget ud", "You are signed out";
    SignedOutStaff => "Din session er udløbet. Log ind igen for at fortsætte; dine samtaler er stadig her.", "Your session has ended. Log in again to continue; your conversations are still here.";
    SignedOutCitizen => "Denne enhed er ikke længere tilsluttet Samtale. Bed din sagsbehandler om en ny invitation.", "This device is no longer connected to Samtale. Ask your caseworker for a new invitation.";
    Cases => "Unge og familier", "Young people and families";
    CasesEmpty => "Ingen unge endnu. Inviter en ung for at komme i gang.", "No young people yet. Invite one to get started.";
    ParentsLabel => "Forældre", "Parents";
    NoThreadYet => "Ingen samtale endnu", "No conversation yet";
    ThreadYouthShort => "Den unge", "Young person";
    ThreadParentsShort => "Forældrene", "Parents";
    ThreadFamilyShort => "Familien", "Family";
    PinChoose => "Pinkode til appen (valgfri, 4–12 cifre)", "PIN for the app (optional, 4–12 digits)";
    PinChooseHint => "Appen beder om pinkoden, hver gang den åbnes. Du kan også vælge den senere under Indstillinger.", "The app asks for the PIN every time it opens. You can also choose it later in Settings.";
    PinRepeat => "Gentag pinkoden", "Repeat the PIN";
    Pin => "Pinkode", "PIN";
    LockedTitle => "Samtale er låst", "Samtale is locked";
    LockedLead => "Skriv din pinkode for at åbne dine samtaler.", "Enter your PIN to open your conversations.";
    Unlock => "Lås op", "Unlock";
    Unlocking => "Låser op …", "Unlocking …";
    PinForgot => "Har du glemt pinkoden? Så skal appen nulstilles i telefonens indstillinger, og din sagsbehandler sender dig en ny invitation. Beskederne på denne enhed forsvinder.", "Forgot your PIN? Then the app must be reset in your phone's settings, and your caseworker sends you a new invitation. The messages on this device are lost.";
    LockNow => "Lås nu", "Lock now";
    AppLock => "Lås med pinkode", "Lock with a PIN";
    AppLockHint => "Med en pinkode kan andre, der låner din telefon eller computer, ikke læse dine samtaler.", "With a PIN, others who borrow your phone or computer cannot read your conversations.";
    PinCurrent => "Nuværende pinkode", "Current PIN";
    PinNew => "Ny pinkode (4–12 cifre)", "New PIN (4–12 digits)";
    PinOn => "Slå pinkode til", "Turn PIN on";
    PinChange => "Skift pinkode", "Change PIN";
    PinOff => "Slå pinkode fra", "Turn PIN off";
    PinSaved => "Pinkoden er gemt.", "The PIN is saved.";
    PinRemoved => "Pinkoden er slået fra.", "The PIN is turned off.";
    ErrPinFormat => "Pinkoden skal være 4 til 12 cifre.", "The PIN must be 4 to 12 digits.";
    ErrPinCurrent => "Skriv din nuværende pinkode først.", "Enter your current PIN first.";
    ErrPinMismatch => "De to pinkoder er ikke ens. Skriv dem igen.", "The two PINs are not the same. Type them again.";
    ErrPinWait => "For mange forkerte forsøg. Vent lidt, og prøv igen.", "Too many wrong tries. Wait a little and try again.";
    PinWaitIn => "For mange forkerte forsøg. Du kan prøve igen om", "Too many wrong tries. You can try again in";
    Seconds => "sekunder", "seconds";
    Minutes => "minutter", "minutes";
    ErrLocked => "Appen er låst. Lås den op med din pinkode.", "The app is locked. Unlock it with your PIN.";
    ErrWrongKey => "Dine data kunne ikke låses op på denne enhed.", "Your data could not be unlocked on this device.";
    ErrNoKeyStore => "Enheden har ingen nøglering, så Samtale kan ikke gemme dine data sikkert. Kontakt din kommunes IT-support.", "This device has no keyring, so Samtale cannot keep your data safe. Contact your municipality's IT support.";
    ErrOffline => "Der er ingen forbindelse til Samtale lige nu. Prøv igen om lidt.", "Samtale cannot be reached right now. Try again shortly.";
    ErrInvalidInput => "Det, du skrev, kan ikke bruges. Tjek det og prøv igen.", "What you entered cannot be used. Check it and try again.";
    ErrInvalidInvitation => "Koden virker ikke. Den kan være skrevet forkert, brugt eller udløbet. Spørg din sagsbehandler om en ny.", "The code does not work. It may be mistyped, used or expired. Ask your caseworker for a new one.";
    ErrInviterNotVerified => "Invitationen kunne ikke bekræftes. Stop her, og ring til din sagsbehandler.", "The invitation could not be verified. Stop here and call your caseworker.";
    ErrBadCredentials => "Forkert kommune, brugernavn eller adgangskode.", "Wrong municipality, username or password.";
    ErrNotSignedIn => "Du er ikke logget ind længere. Log ind igen.", "You are no longer signed in. Log in again.";
    ErrNotFound => "Det findes ikke (længere).", "It does not exist (any more).";
    ErrForbidden => "Det har du ikke adgang til.", "You do not have access to that.";
    ErrTooLarge => "Det er for stort til at sende.", "It is too large to send.";
    ErrRateLimited => "For mange forsøg. Vent et par minutter, og prøv igen.", "Too many attempts. Wait a few minutes and try again.";
    ErrWrongPin => "Forkert pinkode. Prøv igen.", "Wrong PIN. Try again.";
    ErrInternal => "Noget gik galt. Prøv igen.", "Something went wrong. Try again.";
    LinkTab => "Tilknyt til min konto", "Link to my account";
    LinkLead => "Har du allerede Samtale på en anden enhed? Så kan du tilknytte denne enhed til din konto. Du får en kode, som du skriver på den anden enhed.", "Already have Samtale on another device? Then you can link this device to your account. You get a code to enter on the other device.";
    DeviceName => "Navn på denne enhed", "This device's name";
    GetLinkCode => "Hent kode", "Get code";
    LinkShowCode => "Skriv koden på din anden enhed under Indstillinger → Enheder → Tilknyt en ny enhed, eller scan QR-koden:", "Enter the code on your other device under Settings → Devices → Link a new device, or scan the QR code:";
    LinkCompare => "Den anden enhed viser så en sikkerhedskode. Godkend kun, hvis den er den samme som denne:", "The other device then shows a safety code. Approve only if it is the same as this one:";
    LinkWaiting => "Venter på godkendelse fra din anden enhed …", "Waiting for approval from your other device …";
    Devices => "Enheder", "Devices";
    DevicesHint => "Alle enheder på din konto. Kender du ikke en af dem, så fjern den.", "Every device on your account. If you do not know one of them, remove it.";
    ThisDevice => "denne enhed", "this device";
    AddedOn => "Tilføjet", "Added";
    AddedBy => "af", "by";
    FirstDevice => "kontoens første enhed", "the account's first device";
    LastSeen => "Sidst set", "Last seen";
    Stale => "ikke set i lang tid", "not seen for a long time";
    TrustPending => "venter på godkendelse", "waiting for approval";
    TrustRefused => "ADVARSEL: ikke godkendt af dine enheder", "WARNING: not approved by your devices";
    TrustRevoked => "fjernet", "removed";
    TrustRetired => "nulstillet", "reset";
    Remove => "Fjern", "Remove";
    RemoveConfirm => "Fjern enheden? Den kan derefter ikke læse eller sende beskeder.", "Remove the device? It can then no longer read or send messages.";
    RemoveYes => "Ja, fjern den", "Yes, remove it";
    Cancel => "Fortryd", "Cancel";
    LinkNew => "Tilknyt en ny enhed", "Link a new device";
    LinkNewHint => "Skriv koden, som den nye enhed viser.", "Enter the code the new device shows.";
    LinkCode => "Kode fra den nye enhed", "Code from the new device";
    ShowDevice => "Vis enheden", "Show the device";
    LinkPreviewCompare => "Sammenlign sikkerhedskoden med den, den nye enhed viser. Godkend kun, hvis de er ens.", "Compare the safety code with the one the new device shows. Approve only if they are the same.";
    Approve => "Godkend enheden", "Approve the device";
    LinkDone => "Enheden er tilknyttet din konto.", "The device is linked to your account.";
    AlertOk => "OK, set", "OK, seen";
    KeysReset => "En administrator har nulstillet nøglerne. Sammenlign sikkerhedskoden med personen, før I skriver fortroligt.", "An administrator reset the keys. Compare the safety code with the person before writing anything confidential.";
    CodesMatch => "Koderne er ens", "The codes match";
    InviteAgain => "Inviter igen", "Invite again";
    NewPerson => "En ny person", "A new person";
    InviteAgainHint => "For en, der har mistet sin telefon, og hvis nøgler en administrator har nulstillet: personen beholder sine samtaler.", "For someone who lost their phone and whose keys an administrator reset: they keep their conversations.";
    ErrLinkRequired => "Kontoen har allerede en enhed. Tilknyt denne enhed fra den (Indstillinger → Enheder), eller bed en administrator om at nulstille kontoen.", "The account already has a device. Link this device from it (Settings → Devices), or ask an administrator to reset the account.";
    ErrDeviceLimit => "Kontoen har allerede så mange enheder, som er tilladt. Fjern en, du ikke bruger mere.", "The account already has as many devices as allowed. Remove one you no longer use.";
    ErrInvalidLink => "Koden virker ikke. Den kan være skrevet forkert, brugt eller udløbet. Start forfra på den nye enhed.", "The code does not work. It may be mistyped, used or expired. Start again on the new device.";
    // Care tools: check-ins, plans, the timeline.
    CheckInKicker => "Tid til dagens smiley", "Time for today's smiley";
    CheckInPick => "Vælg den smiley, der passer bedst lige nu", "Pick the smiley that fits best right now";
    CheckInTags => "Hvad handler det om? (kan springes over)", "What is it about? (optional)";
    CheckInNote => "Vil du skrive lidt mere? (kan springes over)", "Want to write a bit more? (optional)";
    CheckInThanks => "Tak! Du har svaret. Du kan ændre dit svar, så længe kortet er her.", "Thanks! You have answered. You can change your answer while the card is here.";
    CheckInWaiting => "Dit svar bliver sendt, når der er forbindelse.", "Your answer is sent when there is a connection.";
    CheckInSeenBy => "Dine svar ses af", "Your answers are seen by";
    Score1 => "Meget dårligt", "Very bad";
    Score2 => "Dårligt", "Bad";
    Score3 => "Okay", "Okay";
    Score4 => "Godt", "Good";
    Score5 => "Rigtig godt", "Very good";
    MySmileys => "Mine smileys", "My smileys";
    Plan => "Smiley-plan", "Smiley plan";
    PlanMake => "Lav smiley-plan", "Make a smiley plan";
    PlanEdit => "Ret smiley-plan", "Edit smiley plan";
    PlanActive => "Aktiv", "Active";
    PlanPaused => "Sat på pause", "Paused";
    PlanStopped => "Stoppet", "Stopped";
    PlanPause => "Sæt på pause", "Pause";
    PlanResume => "Start igen", "Resume";
    PlanStop => "Stop planen", "Stop the plan";
    PlanQuestion => "Spørgsmål", "Question";
    PlanTimes => "Tidspunkter (dansk tid)", "Times (Danish time)";
    PlanAddTime => "Tilføj tidspunkt", "Add a time";
    PlanRemoveTime => "Fjern", "Remove";
    PlanWindow => "Svaret tæller som til tiden i", "An answer is on time within";
    PlanTagsLabel => "Emner, den unge kan vælge (adskilt med komma)", "Topics the youth can pick (separated by commas)";
    PlanNoteLabel => "Den unge kan skrive en kort note", "The youth can write a short note";
    PlanSave => "Gem plan", "Save plan";
    PlanNeedsTime => "Planen skal have mindst ét tidspunkt med mindst én dag.", "The plan needs at least one time with at least one day.";
    PlanNeedsQuestion => "Skriv et spørgsmål.", "Write a question.";
    Hours => "timer", "hours";
    Timeline => "Smiley-forløb", "Smiley timeline";
    Range2w => "2 uger", "2 weeks";
    Range3m => "3 måneder", "3 months";
    Range1y => "1 år", "1 year";
    Range2y => "2 år", "2 years";
    TimelineEmpty => "Ingen svar i perioden.", "No answers in this period.";
    LegendAnswer => "svar", "answer";
    LegendLate => "svar efter tiden", "late answer";
    LegendMissed => "ikke besvaret", "not answered";
    LegendWeek => "gennemsnit for 7 dage", "7-day mean";
    LegendEvent => "hændelse", "event";
    Answers => "svar", "answers";
    Mean => "gennemsnit", "mean";
    Missed => "ikke besvaret", "not answered";
    Patterns => "Mønstre", "Patterns";
    ByWeekday => "Gennemsnit pr. ugedag", "Mean by weekday";
    ByTime => "Gennemsnit pr. tidspunkt", "Mean by time of day";
    LowTags => "Emner ved lave svar (1-2)", "Topics with low answers (1-2)";
    ShowTable => "Vis svarene som tabel", "Show the answers as a table";
    RecordStart => "Journalisér", "Record to case file";
    RecordPick => "Vælg de beskeder, der skal i journalen", "Choose the messages for the case file";
    RecordPicked => "valgt", "chosen";
    RecordNext => "Journalisér …", "Record …";
    RecordTitle => "Journalisér i sagen", "Record into the case file";
    RecordCase => "Sagsnummer", "Case number";
    RecordTopic => "Titel (kort om emnet)", "Title (the topic in brief)";
    RecordDate => "Dokumentdato (dd.mm.åååå)", "Document date (dd.mm.yyyy)";
    RecordKle => "KLE-nummer (valgfrit)", "KLE number (optional)";
    RecordWhat => "Det her bliver journaliseret", "This is what will be recorded";
    RecordPeople => "Deltagere", "Participants";
    RecordConfirm => "Journalisér nu", "Record now";
    RecordBusy => "Journaliserer …", "Recording …";
    RecordDone => "Journaliseret og afleveret til", "Recorded and handed to";
    RecordKept => "Journaliseringen er gemt og prøves igen:", "The record is kept and will be tried again:";
    RecordedMark => "Journaliseret", "Recorded";
    RecordsTitle => "Journaliseringer", "Records";
    RecordsNone => "Du har ikke journaliseret noget endnu.", "You have not recorded anything yet.";
    RecordRetry => "Prøv igen nu", "Try again now";
    RecordPeriod => "Journalisér perioden", "Record this period";
    RecordCheckIns => "Smiley-svar fra", "Smiley answers of";
    RecordOf => "af", "of";
    RecordAnswered => "tidspunkter besvaret", "times answered";
    RecordNotAnswered => "ikke besvaret", "not answered";
    ConnectorTitle => "Aflevering til sagssystemet", "Delivery to the case system";
    ConnectorHint => "Hvor denne computer afleverer journaliseringer. Spørg IT, hvad kommunens sagssystem modtager.", "Where this computer hands in records. Ask IT what the municipality's case system takes.";
    ConnectorKind => "Afleveres som", "Hand in by";
    ConnectorNone => "Ikke sat op", "Not set up";
    ConnectorSmtp => "E-mail til journalen", "E-mail to the case system";
    ConnectorFolder => "Fil i en importmappe", "File in an import folder";
    ConnectorHttps => "HTTPS til sagssystemet", "HTTPS to the case system";
    ConnectorTo => "Journalens e-mailadresse", "The case system's e-mail address";
    ConnectorFrom => "Afsenderadresse", "Sender address";
    ConnectorHost => "SMTP-server", "SMTP server";
    ConnectorPort => "Port", "Port";
    ConnectorUser => "Brugernavn (valgfrit)", "User name (optional)";
    ConnectorPassword => "Adgangskode", "Password";
    ConnectorToken => "Adgangsnøgle (token)", "Access token";
    ConnectorSecretKept => "En gemt værdi bruges, hvis feltet står tomt.", "A stored value is used when the field is left empty.";
    ConnectorCa => "CA-certifikat (PEM-fil, valgfrit)", "CA certificate (PEM file, optional)";
    ConnectorPath => "Mappe", "Folder";
    ConnectorUrl => "Adresse (https://…)", "Address (https://…)";
    ConnectorSave => "Gem", "Save";
    ConnectorSaved => "Gemt. Nye journaliseringer afleveres sådan.", "Saved. New records are handed in this way.";
    ConnectorBadPort => "Porten skal være et tal, fx 587.", "The port must be a number, e.g. 587.";
    RecordStateDelivered => "afleveret", "delivered";
    RecordStatePending => "venter", "waiting";
    RecordStateFailed => "ikke afleveret endnu", "not delivered yet";
    RecordMarkHint => "Alle i samtalen kan se, hvad der er journaliseret.", "Everyone in the conversation can see what was recorded.";
    HashOfContent => "SHA-256 af indholdet", "SHA-256 of the content";
    ColWhen => "Tidspunkt", "Time";
    ColScore => "Smiley", "Smiley";
    ColTags => "Emner", "Topics";
    ColNote => "Note", "Note";
    ColLate => "For sent", "Late";
    Yes => "Ja", "Yes";
    Flags => "Opmærksomhed", "Attention";
    FlagsNone => "Intet at bemærke lige nu.", "Nothing to note right now.";
    FlagRules => "Regler for opmærksomhed", "Rules for attention";
    FlagDropLabel => "Fald i 7-dages gennemsnit (point)", "Drop in the 7-day mean (points)";
    FlagLowLabel => "Laveste smiley i træk (0 = fra)", "Lowest smiley in a row (0 = off)";
    FlagMissedLabel => "Ubesvarede i træk (0 = fra)", "Unanswered in a row (0 = off)";
    SaveRules => "Gem regler", "Save rules";
    Events => "Hændelser", "Events";
    EventAdd => "Tilføj hændelse", "Add an event";
    EventRemove => "Fjern", "Remove";
    EventCategory => "Hvad skete der?", "What happened?";
    EventDate => "Dato", "Date";
    EventText => "Kort beskrivelse", "Short description";
    EventShared => "Vis den også for den unge", "Show it to the youth too";
    CatSchoolChange => "Skoleskift", "School change";
    CatDecision => "Afgørelse", "Decision";
    CatMovedOut => "Flyttet hjemmefra", "Moved out";
    CatAbsence => "Fravær", "Absence";
    CatOther => "Andet", "Other";
    OnlyStaffSee => "kun medarbejdere", "staff only";
    Mon => "Man", "Mon";
    Tue => "Tir", "Tue";
    Wed => "Ons", "Wed";
    Thu => "Tor", "Thu";
    Fri => "Fre", "Fri";
    Sat => "Lør", "Sat";
    Sun => "Søn", "Sun";
    ErrLinkNotVerified => "Enheden kunne ikke bekræftes med koden. Stop her, og fortæl det til din sagsbehandler eller IT-support.", "The device could not be verified with the code. Stop here and tell your caseworker or IT support.";
    ErrFileRefused => "Filen kan ikke sendes eller åbnes: programmer er ikke tilladt, og filer må højst fylde det, kommunen har valgt.", "The file cannot be sent or opened: programs are not allowed, and files may not be larger than the municipality allows.";
    ErrFileDamaged => "Filen passer ikke med det, afsenderen sendte, så den blev ikke åbnet. Bed afsenderen sende den igen.", "The file does not match what the sender sent, so it was not opened. Ask the sender to send it again.";
    ErrStorageFull => "Kommunens plads til filer er fuld lige nu. Prøv igen senere, eller kontakt IT-support.", "The municipality's storage for files is full right now. Try again later, or contact IT support.";
    CardChanged => "ændret", "changed";
    Appointment => "Aftale", "Appointment";
    RsvpComing => "Jeg kommer", "I'm coming";
    RsvpCannot => "Jeg kan ikke", "I can't";
    RsvpReschedule => "Kan vi flytte det?", "Can we move it?";
    EarlierTime => "svar til det tidligere tidspunkt", "answer to the earlier time";
    SavedIn => "Gemt:", "Saved:";
    Attach => "Vedhæft", "Attach";
    Attached => "Vedhæftede filer", "Attached files";
    RemoveAttachment => "Fjern filen", "Remove the file";
    PhotoNote => "Billeder sendes uden GPS-position og oplysninger om kameraet.", "Pictures are sent without their GPS position and camera details.";
    SaveFile => "Gem", "Save";
    Fetching => "Henter …", "Fetching …";
    FileProgress => "Hvor langt filen er", "How far the file is";
    Place => "Sted", "Place";
    VideoLink => "Videolink", "Video link";
    Cancelled => "Aftalen er aflyst", "The appointment is cancelled";
    YourAnswer => "Dit svar", "Your answer";
    Comment => "Kommentar", "Comment";
    CommentOptional => "Kommentar (valgfri)", "Comment (optional)";
    NotAnswered => "Har ikke svaret", "Not answered yet";
    AddToCalendar => "Tilføj til kalender", "Add to calendar";
    Move => "Flyt eller ret", "Move or edit";
    CancelAppointment => "Aflys", "Cancel appointment";
    ChangeUntilClosed => "Du kan ændre dit svar, indtil spørgsmålet lukkes.", "You can change your answer until the question closes.";
    AnswerCounts => "Svar i alt", "Answers in all";
    QuestionClosed => "Spørgsmålet er lukket", "The question is closed";
    CloseQuestion => "Luk spørgsmålet", "Close the question";
    No => "Nej", "No";
    NewAppointment => "Ny aftale", "New appointment";
    NewQuestion => "Stil et spørgsmål", "Ask a question";
    SendLater => "Send senere", "Send later";
    BadMoment => "Vælg en dato og et klokkeslæt.", "Choose a date and a time.";
    Title => "Titel", "Title";
    Date => "Dato", "Date";
    Time => "Klokken", "Time";
    Duration => "Varighed", "Duration";
    Note => "Note", "Note";
    Reminders => "Påmindelser", "Reminders";
    DayBefore => "Dagen før", "The day before";
    HourBefore => "En time før", "An hour before";
    Save => "Gem", "Save";
    QuestionText => "Spørgsmål", "Question";
    AnswerWith => "Svar med", "Answer with";
    FormSmileys => "Smileys (1-5)", "Smileys (1-5)";
    FormYesNo => "Ja eller nej", "Yes or no";
    FormChoices => "Valgmuligheder", "Choices";
    ChoicesOnePerLine => "Valgmuligheder, én pr. linje (2-6)", "Choices, one per line (2-6)";
    OfferComment => "Giv plads til en kommentar", "Offer a comment field";
    Ask => "Spørg", "Ask";
    SendLaterHint => "Beskeden krypteres nu og sendes af serveren på tidspunktet, også hvis din computer er slukket.", "The message is encrypted now and sent by the server at the time, even if your computer is off.";
    PlanIt => "Planlæg", "Schedule";
    CancelPlanned => "Annullér", "Cancel";
    ExportCsv => "Gem som CSV", "Save as CSV";
    FeedbackEvent => "Svar", "Answer";
    NeedTitle => "Skriv en titel på aftalen.", "Give the appointment a title.";
    LinkHttps => "Videolinket skal begynde med https://", "The video link must start with https://";
    TimePassed => "Tidspunktet er passeret. Vælg et tidspunkt frem i tiden.", "That time has passed. Choose a time ahead.";
    NeedQuestion => "Skriv spørgsmålet.", "Write the question.";
    ReachTitle => "Hvordan vi når dig", "How we reach you";
    ReachHint => "Hvis du ikke har læst en ny besked efter en time, kan vi sende en sms eller e-mail om, at der er en besked. Den siger aldrig, hvad der står i beskeden, eller hvem den er fra. Du bestemmer selv.", "If you have not read a new message after an hour, we can send a text or an e-mail saying a message is waiting. It never says what the message says or who it is from. You decide.";
    Mobile => "Mobilnummer", "Mobile number";
    Email => "E-mail", "E-mail";
    SaveContact => "Gem", "Save";
    SendCode => "Send kode", "Send code";
    CodeSentTo => "Vi har sendt en kode. Skriv den her:", "We sent a code. Type it here:";
    Confirm => "Bekræft", "Confirm";
    ContactVerified => "Bekræftet", "Confirmed";
    ContactUnverified => "Ikke bekræftet endnu", "Not confirmed yet";
    ContactBounced => "Virker ikke – skriv et nyt", "Does not work – enter a new one";
    BadMobile => "Skriv et dansk mobilnummer med 8 cifre, fx 12 34 56 78.", "Write a Danish mobile number of 8 digits, e.g. 12 34 56 78.";
    BadEmail => "Skriv en e-mailadresse som navn@eksempel.dk.", "Write an e-mail address like name@example.dk.";
    CodeWrong => "Koden passer ikke. Prøv igen, eller bed om en ny kode.", "The code is not right. Try again, or ask for a new one.";
    ConsentFor => "Må sende mig besked", "May notify me";
    ConsentForYouth => "Må sende besked til", "May notify";
    GivenByYouth => "(givet af den unge selv; kun den unge kan trække det tilbage)", "(given by the youth; only the youth can withdraw it)";
    YouthDecides => "er fyldt 15 og bestemmer selv, om vi må sende ham eller hende besked.", "has turned 15 and decides himself or herself whether we may send notices.";
    SmsNewMessages => "sms, når der er en ny besked", "a text when there is a new message";
    EmailNewMessages => "e-mail, når der er en ny besked", "an e-mail when there is a new message";
    SmsReminders => "sms før et møde", "a text before a meeting";
    EmailReminders => "e-mail før et møde", "an e-mail before a meeting";
    NoUnitsYet => "Du har ingen samtaler med en afdeling endnu.", "You have no conversations with a unit yet.";
    UnreachableTitle => "Kan ikke nås digitalt", "Cannot be reached digitally";
    UnreachableHint => "Har ulæste beskeder og kan ikke få besked på sms eller e-mail. Overvej et brev, eller spørg efter et nyt nummer ved næste møde.", "Has unread messages and cannot be told by text or e-mail. Consider a letter, or ask for a new number at the next meeting.";
    UnreadSince => "ulæst siden", "unread since";
    NobodyUnreachable => "Alle kan nås.", "Everyone can be reached.";
    SaveLetter => "Brev til udskrift", "Letter to print";
    LetterHint => "Brevet nævner ikke sagen eller beskeden, kun hvordan borgeren kontakter jer.", "The letter does not mention the case or the message, only how the citizen can contact you.";
    SaveCsv => "Hent listen som CSV", "Download the list as CSV";
    OwnConsentPrompt => "Du er fyldt 15 og bestemmer nu selv, om vi må give dig besked på sms eller e-mail. Den tilladelse, din forælder gav, gælder ikke længere.", "You have turned 15 and now decide yourself whether we may tell you by text or e-mail. The permission your parent gave no longer applies.";
    ChooseNow => "Vælg nu", "Choose now";
    UnitsTitle => "Enheder", "Units";
    UnitsHint => "Kommunens enheder. Adresse, telefon og e-mail står på breve til borgere, der ikke kan nås digitalt.", "The municipality's units. Address, phone and e-mail are printed on letters to citizens who cannot be reached digitally.";
    UnitName => "Navn", "Name";
    UnitAddress => "Adresse (højst 4 linjer)", "Address (at most 4 lines)";
    UnitPhone => "Telefon", "Phone";
    UnitEmail => "E-mail", "E-mail";
    UnitHours => "Telefontid", "Phone hours";
    UnitSave => "Gem enheden", "Save the unit";
    UnitAdd => "Tilføj enhed", "Add unit";
    UnitNew => "Ny enhed", "New unit";
    UnitSaved => "Enheden er gemt.", "The unit is saved.";
    UnitEmailBad => "E-mailadressen mangler et @.", "The e-mail address has no @.";
    UnitNameMissing => "Skriv enhedens navn.", "Write the unit's name.";
}

/// The sentence for an error kind.
pub fn error_text(lang: Language, kind: ErrorKind) -> &'static str {
    t(
        lang,
        match kind {
            ErrorKind::WrongKey => K::ErrWrongKey,
            ErrorKind::NoKeyStore => K::ErrNoKeyStore,
            ErrorKind::Offline => K::ErrOffline,
            ErrorKind::InvalidInput => K::ErrInvalidInput,
            ErrorKind::InvalidInvitation => K::ErrInvalidInvitation,
            ErrorKind::InviterNotVerified => K::ErrInviterNotVerified,
            ErrorKind::BadCredentials => K::ErrBadCredentials,
            ErrorKind::NotSignedIn => K::ErrNotSignedIn,
            ErrorKind::NotFound => K::ErrNotFound,
            ErrorKind::Forbidden => K::ErrForbidden,
            ErrorKind::TooLarge => K::ErrTooLarge,
            ErrorKind::RateLimited => K::ErrRateLimited,
            ErrorKind::WrongPin => K::ErrWrongPin,
            ErrorKind::PinWait => K::ErrPinWait,
            ErrorKind::Locked => K::ErrLocked,
            ErrorKind::LinkRequired => K::ErrLinkRequired,
            ErrorKind::DeviceLimit => K::ErrDeviceLimit,
            ErrorKind::InvalidLink => K::ErrInvalidLink,
            ErrorKind::LinkNotVerified => K::ErrLinkNotVerified,
            ErrorKind::FileRefused => K::ErrFileRefused,
            ErrorKind::FileDamaged => K::ErrFileDamaged,
            ErrorKind::StorageFull => K::ErrStorageFull,
            _ => K::ErrInternal,
        },
    )
}

/// The wait after too many wrong PINs: in seconds up to two minutes, then in whole minutes.
pub fn pin_wait_text(lang: Language, seconds: u64) -> String {
    let (n, unit) = if seconds <= 120 {
        (seconds, K::Seconds)
    } else {
        (seconds.div_ceil(60), K::Minutes)
    };
    format!("{} {n} {}.", t(lang, K::PinWaitIn), t(lang, unit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_both_languages() {
        for &k in ALL {
            assert!(!t(Language::Da, k).is_empty(), "{k:?}");
            assert!(!t(Language::En, k).is_empty(), "{k:?}");
        }
        assert_eq!(t(Language::Da, K::Send), "Send");
        assert_eq!(
            error_text(Language::Da, ErrorKind::InvalidInvitation),
            t(Language::Da, K::ErrInvalidInvitation)
        );
        assert_eq!(
            pin_wait_text(Language::Da, 30),
            "For mange forkerte forsøg. Du kan prøve igen om 30 sekunder."
        );
        assert_eq!(
            pin_wait_text(Language::En, 3600),
            "Too many wrong tries. You can try again in 60 minutes."
        );
    }
}
