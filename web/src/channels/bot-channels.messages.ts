/** Telegram, LINE and Viber: their connect forms, Viber's monthly quota in the composer, their delivery errors. Merged into each language's dictionary in web/src/i18n. */
const en = {
  'channels.field.botToken': 'Bot token',
  'channels.field.botToken.hint': 'The token @BotFather gave when you made the bot (/newbot, or /token for an existing one).',
  'channels.field.secretToken': 'Webhook secret token',
  'channels.field.secretToken.hint': 'Telegram sends it with every webhook. “Test connection” hands it to Telegram with this channel’s URL: nothing to paste.',
  'channels.field.channelSecret': 'Channel secret',
  'channels.field.channelSecret.hint': 'LINE Developers console → your channel → Basic settings. It signs every webhook.',
  'channels.field.channelAccessToken': 'Channel access token',
  'channels.field.channelAccessToken.hint': 'LINE Developers console → Messaging API → Channel access token (long-lived).',
  'channels.field.authToken': 'Authentication token',
  'channels.field.authToken.hint': 'The provider’s token for your account. It signs every webhook.',
  'channels.field.commercialTerms': 'Viber commercial terms',
  'channels.field.commercialTerms.hint':
    'On: past the 10,000 free chatbot-initiated messages a month, messages still go out, and Viber bills each one. Off: they are refused until the month ends.',

  'channels.webhook.intro.telegram': '“Test connection” gives Telegram this URL with the secret token: nothing to paste.',
  'channels.webhook.intro.line': 'Paste the callback URL into the LINE Developers console (Messaging API → Webhook URL), turn on “Use webhook”, then “Verify”.',
  'channels.webhook.intro.viber': '“Test connection” gives Viber this URL, and Viber checks it at once: nothing to paste.',

  'window.chatbotInitiated': 'More than 24 hours since the contact last wrote on {channel}: a reply is a chatbot-initiated message.',
  'window.quotaUsed': '{used} of {limit} free messages used this month.',
  'window.quotaPaid': '{used} of {limit} free messages used this month; past them each message is paid (commercial terms).',
  'window.quotaExceeded': 'This month’s free chatbot-initiated messages on {channel} are used up ({used} of {limit}): nothing more can be sent until the contact writes again or the month ends.',

  'error.quota_exceeded': 'This month’s free messages on this channel are used up: wait for the contact to write, or switch the channel to the provider’s commercial terms.',
  'delivery.error.telegram:403': 'The contact blocked the bot: Telegram delivers nothing until they unblock it.',
  'delivery.error.telegram:429': 'Telegram asked to slow down: it will be tried again shortly.',
  'delivery.error.line:monthly_limit': 'The LINE account’s monthly message limit is reached: raise the plan in LINE Official Account Manager.',
  'delivery.error.viber:23': 'Viber’s free messages for this month are used up.',
  'delivery.error.viber:quota_exceeded': 'This month’s 10,000 free chatbot-initiated messages are used up.',
  'delivery.error.viber:5': 'This person is not on Viber any more.',
  'delivery.error.viber:6': 'This person has not subscribed to the bot, or unsubscribed.',
  'delivery.error.viber:7': 'Viber has blocked this bot.',
};

type Messages = Record<keyof typeof en, string>;

const de: Messages = {
  'channels.field.botToken': 'Bot-Token',
  'channels.field.botToken.hint': 'Das Token, das @BotFather beim Anlegen des Bots genannt hat (/newbot, oder /token für einen bestehenden).',
  'channels.field.secretToken': 'Geheimes Webhook-Token',
  'channels.field.secretToken.hint': 'Telegram schickt es mit jedem Webhook. „Verbindung testen“ übergibt es Telegram zusammen mit der URL dieses Kanals: nichts einzufügen.',
  'channels.field.channelSecret': 'Kanal-Geheimnis',
  'channels.field.channelSecret.hint': 'LINE-Developers-Konsole → Ihr Kanal → Basic settings. Es signiert jeden Webhook.',
  'channels.field.channelAccessToken': 'Kanal-Zugriffstoken',
  'channels.field.channelAccessToken.hint': 'LINE-Developers-Konsole → Messaging API → Channel access token (langlebig).',
  'channels.field.authToken': 'Authentifizierungstoken',
  'channels.field.authToken.hint': 'Das Token Ihres Kontos beim Anbieter. Es signiert jeden Webhook.',
  'channels.field.commercialTerms': 'Kommerzielle Viber-Bedingungen',
  'channels.field.commercialTerms.hint':
    'An: Nach den 10.000 kostenlosen vom Chatbot begonnenen Nachrichten im Monat gehen Nachrichten weiter hinaus, und Viber berechnet jede einzeln. Aus: Sie werden bis Monatsende abgelehnt.',

  'channels.webhook.intro.telegram': '„Verbindung testen“ übergibt Telegram diese URL mit dem geheimen Token: nichts einzufügen.',
  'channels.webhook.intro.line': 'Fügen Sie die Callback-URL in der LINE-Developers-Konsole ein (Messaging API → Webhook URL), schalten Sie „Use webhook“ ein, dann „Verify“.',
  'channels.webhook.intro.viber': '„Verbindung testen“ übergibt Viber diese URL, und Viber prüft sie sofort: nichts einzufügen.',

  'window.chatbotInitiated': 'Der Kontakt hat auf {channel} vor mehr als 24 Stunden zuletzt geschrieben: Eine Antwort ist eine vom Chatbot begonnene Nachricht.',
  'window.quotaUsed': '{used} von {limit} kostenlosen Nachrichten in diesem Monat verbraucht.',
  'window.quotaPaid': '{used} von {limit} kostenlosen Nachrichten in diesem Monat verbraucht; danach ist jede Nachricht kostenpflichtig (kommerzielle Bedingungen).',
  'window.quotaExceeded': 'Die kostenlosen vom Chatbot begonnenen Nachrichten dieses Monats auf {channel} sind verbraucht ({used} von {limit}): Bis der Kontakt wieder schreibt oder der Monat endet, kann nichts gesendet werden.',

  'error.quota_exceeded': 'Die kostenlosen Nachrichten dieses Monats auf diesem Kanal sind verbraucht: Warten Sie, bis der Kontakt schreibt, oder stellen Sie den Kanal auf die kommerziellen Bedingungen des Anbieters um.',
  'delivery.error.telegram:403': 'Der Kontakt hat den Bot blockiert: Telegram stellt nichts zu, bis die Blockierung aufgehoben ist.',
  'delivery.error.telegram:429': 'Telegram bittet um eine Pause: Die Nachricht wird gleich noch einmal versucht.',
  'delivery.error.line:monthly_limit': 'Das monatliche Nachrichtenlimit des LINE-Kontos ist erreicht: Erhöhen Sie den Tarif im LINE Official Account Manager.',
  'delivery.error.viber:23': 'Die kostenlosen Viber-Nachrichten dieses Monats sind verbraucht.',
  'delivery.error.viber:quota_exceeded': 'Die 10.000 kostenlosen vom Chatbot begonnenen Nachrichten dieses Monats sind verbraucht.',
  'delivery.error.viber:5': 'Diese Person nutzt Viber nicht mehr.',
  'delivery.error.viber:6': 'Diese Person hat den Bot nicht abonniert oder das Abo beendet.',
  'delivery.error.viber:7': 'Viber hat diesen Bot gesperrt.',
};

const fr: Messages = {
  'channels.field.botToken': 'Jeton du bot',
  'channels.field.botToken.hint': 'Le jeton donné par @BotFather à la création du bot (/newbot, ou /token pour un bot existant).',
  'channels.field.secretToken': 'Jeton secret du webhook',
  'channels.field.secretToken.hint': 'Telegram l’envoie avec chaque webhook. « Tester la connexion » le transmet à Telegram avec l’URL de ce canal : rien à coller.',
  'channels.field.channelSecret': 'Secret du canal',
  'channels.field.channelSecret.hint': 'Console LINE Developers → votre canal → Basic settings. Il signe chaque webhook.',
  'channels.field.channelAccessToken': 'Jeton d’accès du canal',
  'channels.field.channelAccessToken.hint': 'Console LINE Developers → Messaging API → Channel access token (longue durée).',
  'channels.field.authToken': 'Jeton d’authentification',
  'channels.field.authToken.hint': 'Le jeton de votre compte chez le fournisseur. Il signe chaque webhook.',
  'channels.field.commercialTerms': 'Conditions commerciales Viber',
  'channels.field.commercialTerms.hint':
    'Activé : au-delà des 10 000 messages gratuits initiés par le chatbot chaque mois, les messages partent encore, et Viber facture chacun. Désactivé : ils sont refusés jusqu’à la fin du mois.',

  'channels.webhook.intro.telegram': '« Tester la connexion » transmet cette URL à Telegram avec le jeton secret : rien à coller.',
  'channels.webhook.intro.line': 'Collez l’URL de rappel dans la console LINE Developers (Messaging API → Webhook URL), activez « Use webhook », puis « Verify ».',
  'channels.webhook.intro.viber': '« Tester la connexion » transmet cette URL à Viber, qui la vérifie aussitôt : rien à coller.',

  'window.chatbotInitiated': 'Le contact a écrit sur {channel} il y a plus de 24 heures : une réponse est un message initié par le chatbot.',
  'window.quotaUsed': '{used} messages gratuits sur {limit} utilisés ce mois-ci.',
  'window.quotaPaid': '{used} messages gratuits sur {limit} utilisés ce mois-ci ; au-delà, chaque message est payant (conditions commerciales).',
  'window.quotaExceeded': 'Les messages gratuits initiés par le chatbot de ce mois sur {channel} sont épuisés ({used} sur {limit}) : rien ne peut être envoyé avant que le contact écrive à nouveau ou que le mois se termine.',

  'error.quota_exceeded': 'Les messages gratuits de ce mois sur ce canal sont épuisés : attendez que le contact écrive, ou passez le canal aux conditions commerciales du fournisseur.',
  'delivery.error.telegram:403': 'Le contact a bloqué le bot : Telegram ne livre rien tant qu’il ne l’a pas débloqué.',
  'delivery.error.telegram:429': 'Telegram demande de ralentir : le message sera renvoyé sous peu.',
  'delivery.error.line:monthly_limit': 'La limite mensuelle de messages du compte LINE est atteinte : augmentez l’offre dans LINE Official Account Manager.',
  'delivery.error.viber:23': 'Les messages gratuits Viber de ce mois sont épuisés.',
  'delivery.error.viber:quota_exceeded': 'Les 10 000 messages gratuits initiés par le chatbot de ce mois sont épuisés.',
  'delivery.error.viber:5': 'Cette personne n’utilise plus Viber.',
  'delivery.error.viber:6': 'Cette personne n’est pas abonnée au bot, ou s’est désabonnée.',
  'delivery.error.viber:7': 'Viber a bloqué ce bot.',
};

export const botChannelsMessages = { en, de, fr };
