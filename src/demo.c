/* demo.c - the sample mail behind `petrel --demo`.
 *
 * Three parts: data tables (charsets, mail programs, people, the circles
 * they write in, topics with their opening messages, reply phrases), a
 * planner that lays out threads over two years when the generator is
 * created, and a renderer that turns one planned message into raw bytes.
 * Every message draws its randomness from its own salt, so a message can
 * be rebuilt anywhere (a reply quotes its parent by rebuilding it). */
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "demo.h"
#include "util.h"

#define TWO_YEARS	(2 * 365 * 86400)
#define DAY		86400
#define QUOTE_LEVELS	4	/* a reply quotes this many generations */
#define QUOTE_LINES	30	/* and at most this many lines of them */
#define WRAP		72

/* ---- randomness: splitmix64 ---- */

struct rng {
	uint64_t s;
};

static uint32_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static struct rng rng_make(uint32_t seed, uint32_t stream)
{
	struct rng r = { ((uint64_t)seed << 32 | stream) ^ UINT64_C(0x5eed0fde11ce5eed) };

	rng_next(&r);
	return r;
}

/* Uniform in [0, n); 0 when n is 0. */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_next(r) * n) >> 32);
}

static bool rng_chance(struct rng *r, uint32_t one_in)
{
	return rng_below(r, one_in) == 0;
}

/* ---- charsets and mail programs ---- */

enum cte { CTE_7BIT, CTE_8BIT, CTE_QP, CTE_B64 };
static const char *const cte_names[] = { "7bit", "8bit", "quoted-printable", "base64" };

enum {
	CS_UTF8_QP, CS_UTF8_B64, CS_UTF8_8BIT, CS_UTF8_RAW, CS_LATIN1, CS_LATIN9,
	CS_CP1252, CS_CP1252_AS_LATIN1, CS_KOI8R, CS_JIS, CS_SJIS, CS_GB, CS_BIG5,
	CS_EUCKR, CS_COUNT
};

struct charset {
	const char *conv;	/* iconv's name */
	const char *label;	/* the MIME label, as the sender's program writes it */
	char words;		/* RFC 2047 encoding: 'Q', 'B', or 'R' for raw 8-bit */
	enum cte cte;		/* body transfer encoding */
};

static const struct charset charsets[CS_COUNT] = {
	[CS_UTF8_QP] = { "UTF-8", "utf-8", 'Q', CTE_QP },
	[CS_UTF8_B64] = { "UTF-8", "UTF-8", 'B', CTE_B64 },
	[CS_UTF8_8BIT] = { "UTF-8", "UTF-8", 'B', CTE_8BIT },
	[CS_UTF8_RAW] = { "UTF-8", "utf-8", 'R', CTE_8BIT },
	[CS_LATIN1] = { "ISO-8859-1", "iso-8859-1", 'Q', CTE_QP },
	[CS_LATIN9] = { "ISO-8859-15", "ISO-8859-15", 'Q', CTE_8BIT },
	[CS_CP1252] = { "WINDOWS-1252", "windows-1252", 'Q', CTE_QP },
	/* Outlook's classic: windows-1252 bytes labelled iso-8859-1 */
	[CS_CP1252_AS_LATIN1] = { "WINDOWS-1252", "iso-8859-1", 'Q', CTE_QP },
	[CS_KOI8R] = { "KOI8-R", "koi8-r", 'B', CTE_8BIT },
	[CS_JIS] = { "ISO-2022-JP", "ISO-2022-JP", 'B', CTE_7BIT },
	[CS_SJIS] = { "SHIFT_JIS", "Shift_JIS", 'B', CTE_B64 },
	/* GBK text labelled gb2312, as Chinese mailers send it */
	[CS_GB] = { "GBK", "gb2312", 'B', CTE_B64 },
	[CS_BIG5] = { "BIG5", "big5", 'B', CTE_B64 },
	[CS_EUCKR] = { "EUC-KR", "euc-kr", 'B', CTE_B64 },
};

enum { M_FLOWED = 1, M_HTML = 2, M_TOP = 4, M_OUTLOOK = 8, M_XMAILER = 16 };

enum {
	U_MUTT, U_TB, U_OUTLOOK, U_OUTLOOK_DE, U_PHONE, U_APPLE, U_WEB, U_BECKY,
	U_FOXMAIL, U_MEHMAIL, U_GIT, U_BULK
};

static const struct mua {
	const char *name;	/* User-Agent or X-Mailer, NULL for none */
	const char *re;		/* reply prefix */
	unsigned style;
} muas[] = {
	[U_MUTT] = { "Mutt/2.2.12 (2023-09-09)", "Re: ", 0 },
	[U_TB] = { "Mozilla Thunderbird", "Re: ", M_FLOWED },
	[U_OUTLOOK] = { "Microsoft Outlook 16.0", "RE: ", M_HTML | M_TOP | M_OUTLOOK | M_XMAILER },
	[U_OUTLOOK_DE] = { "Microsoft Outlook 16.0", "AW: ", M_HTML | M_TOP | M_OUTLOOK | M_XMAILER },
	[U_PHONE] = { "Pocket Mail 6.1 (Android)", "Re: ", M_HTML | M_TOP },
	[U_APPLE] = { "Apple Mail (2.3774.500.171.1.1)", "Re: ", M_HTML | M_XMAILER },
	[U_WEB] = { "Roundcube Webmail/1.6.6", "Re: ", M_HTML },
	[U_BECKY] = { "Becky! ver. 2.81.04 [ja]", "Re: ", M_XMAILER },
	[U_FOXMAIL] = { "Foxmail 7.2.25.228[cn]", "回复：", M_HTML | M_TOP | M_XMAILER },
	[U_MEHMAIL] = { "mehmail 0.3 (works on my machine)", "Re: ", M_XMAILER },
	[U_GIT] = { "git-send-email 2.43.0", "Re: ", M_XMAILER },
	[U_BULK] = { NULL, "", 0 },
};

/* ---- people ---- */

enum {
	P_ME, P_ASA, P_JUERGEN, P_FRANCOIS, P_SASHA, P_PAT, P_PRIYA, P_MEHMET,
	P_NGUYEN, P_ELENI, P_YAMADA, P_HANAKO, P_SUZUKI, P_WANG, P_CHEN, P_LI,
	P_OLGA, P_DIMA, P_MINJUN, P_SEOYEON, P_INGRID, P_THOMAS, P_LENA, P_HILDE,
	P_BERND, P_ZOE, P_SOFIA, P_YUKI, P_LIBRARY, P_BIKESHOP, P_CI, P_NONE = 0xff
};

static const struct person {
	const char *name;	/* display name, UTF-8 */
	const char *addr;
	const char *hi;		/* what others call them */
	const char *hi_native;	/* ... in their own language's circle */
	const char *sig;	/* signature, or NULL */
	const char *line;	/* something they like to say in small circles */
	uint8_t cs, mua;
	int16_t tz;		/* minutes east of UTC */
	bool alt;		/* writes the circle's alternative language */
} people[] = {
	[P_ME] = { "Robin Schneider", "robin@example.org", "Robin", NULL, "Robin", NULL, CS_UTF8_QP, U_MUTT, 60, false },
	[P_ASA] = { "Åsa Lindqvist", "asa@larkdb.example", "Åsa", NULL, "Åsa Lindqvist · Lark maintainer\nhttps://larkdb.example/", NULL, CS_UTF8_8BIT, U_TB, 60, false },
	[P_JUERGEN] = { "Jürgen Weiß", "juergen.weiss@posteo.example", "Jürgen", NULL, "Grüße aus Köln,\nJürgen", "Schöne Grüße nach drüben, und danke für die Geduld beim Review.", CS_LATIN9, U_MUTT, 60, false },
	[P_FRANCOIS] = { "François Dubois", "fdubois@orange.example", "François", NULL, "Cordialement,\nFrançois Dubois\n« Le code, c’est de la poésie. »", "J’ai relu la branche ce week-end : ça m’a l’air très propre, bravo.", CS_CP1252_AS_LATIN1, U_OUTLOOK, 60, false },
	[P_SASHA] = { "Александр Петров", "sasha@yandex.example", "Sasha", "Саша", "Александр (Саша) Петров", "Кстати, обновил бенчмарки, цифры в вики.", CS_KOI8R, U_TB, 180, false },
	[P_PAT] = { "O'Brien, Pat", "pat.obrien@example.com", "Pat", NULL, "Pat O’Brien\nBuild & release, Lark", "I’ll update the Windows build notes – the “MSYS2” section is out of date.", CS_CP1252, U_OUTLOOK, -300, false },
	[P_PRIYA] = { "प्रिया रमन (Priya Raman)", "priya@example.net", "Priya", NULL, "— Priya", "मुझे यह किताब बहुत पसंद आई। (I loved this book.)", CS_UTF8_B64, U_WEB, 330, false },
	[P_MEHMET] = { "Mehmet Yılmaz", "mehmet@yilmaz.example", "Mehmet", NULL, "Mehmet", NULL, CS_UTF8_RAW, U_MEHMAIL, 180, false },
	/* decomposed (NFD) on purpose: base letters plus combining marks */
	[P_NGUYEN] = { "Nguye\xcc\x82\xcc\x83" "n Va\xcc\x86" "n An", "an.nguyen@example.net", "An", NULL, "Nguye\xcc\x82\xcc\x83" "n Va\xcc\x86" "n An", NULL, CS_UTF8_B64, U_TB, 420, false },
	[P_ELENI] = { "Ελένη Παπαδοπούλου", "eleni.p@example.net", "Eleni", NULL, "Ελένη", NULL, CS_UTF8_QP, U_APPLE, 120, false },
	[P_YAMADA] = { "山田太郎", "yamada@tokyo-dev.example", "Yamada-san", "山田", "山田 太郎 <yamada@tokyo-dev.example>", "日本語のドキュメントも合わせて更新します。", CS_JIS, U_BECKY, 540, false },
	[P_HANAKO] = { "佐藤花子", "hanako.sato@kaisha.example", "Hanako", "佐藤", "佐藤花子", "念のため、手順をまとめておきました。", CS_SJIS, U_WEB, 540, false },
	[P_SUZUKI] = { "鈴木一郎", "suzuki@ichiro.example", "Suzuki-san", "鈴木", "鈴木", NULL, CS_JIS, U_TB, 540, false },
	[P_WANG] = { "王小明", "wang.xm@163mail.example", "Xiaoming", "小明", "王小明", "中文文档我这周末更新一下。", CS_GB, U_FOXMAIL, 480, false },
	[P_CHEN] = { "陳美玲", "meiling.chen@taipei.example", "Mei-ling", "美玲", "陳美玲 Mei-ling Chen", "我覺得《三體》的第一部最好看，後面兩部有點太長了。", CS_BIG5, U_OUTLOOK, 480, true },
	[P_LI] = { "李华", "lihua@jianshu.example", "Li Hua", "李华", NULL, NULL, CS_GB, U_FOXMAIL, 480, false },
	[P_OLGA] = { "Ольга Смирнова", "olga.smirnova@example.net", "Olga", "Оля", "Ольга", "Рукописи не горят! По-русски это звучит ещё лучше.", CS_KOI8R, U_MUTT, 180, false },
	[P_DIMA] = { "Дмитрий Козлов", "dima@kozlov.example", "Dima", "Дима", NULL, NULL, CS_UTF8_8BIT, U_TB, 180, false },
	[P_MINJUN] = { "김민준", "minjun.kim@seoul.example", "Minjun", "민준", "김민준 드림", "한국어 문서도 같이 업데이트하겠습니다.", CS_EUCKR, U_WEB, 540, false },
	[P_SEOYEON] = { "이서연", "seoyeon.lee@example.net", "Seoyeon", "서연", "서연", "저는 한국어 번역본으로 읽었는데 문장이 정말 아름다웠어요.", CS_EUCKR, U_TB, 540, false },
	[P_INGRID] = { "Ingrid Schneider", "ingrid.schneider@t-online.example", "Mama", NULL, "Von meinem Telefon gesendet", NULL, CS_LATIN9, U_PHONE, 60, false },
	[P_THOMAS] = { "Thomas Schneider", "thomas@schneider-family.example", "Papa", NULL, "Papa", "Übrigens: Der Grill ist repariert, Würstchen kaufe ich.", CS_LATIN1, U_TB, 60, false },
	[P_LENA] = { "Lena Schneider 🌻", "lena.sch@example.net", "Lena", NULL, NULL, NULL, CS_UTF8_B64, U_PHONE, 60, false },
	[P_HILDE] = { "Hildegard „Oma“ Schneider", "hildegard.schneider@gmx.example", "Oma", NULL, "Eure Oma", "Passt auf euch auf und zieht euch warm an, es soll „Frost“ geben!", CS_CP1252, U_OUTLOOK_DE, 60, false },
	[P_BERND] = { "Bernd Krüger", "bernd.krueger@web.example", "Bernd", NULL, "Bernd", NULL, CS_LATIN1, U_WEB, 60, false },
	[P_ZOE] = { "Zoe\xcc\x88 Moreau", "zoe@moreau.example", "Zoë", NULL, "Zoë ✿", "Petit rappel : c’est à mon tour d’apporter le gâteau. Je fais une tarte aux pommes 🍎", CS_UTF8_QP, U_APPLE, 60, false },
	[P_SOFIA] = { "Sofía Hernández", "sofia.hdz@example.com", "Sofía", NULL, "Sofía", "¡Qué bonito! En español la primera frase es perfecta: «Muchos años después, frente al pelotón de fusilamiento...»", CS_LATIN1, U_WEB, 60, false },
	[P_YUKI] = { "田中由紀 (Yuki Tanaka)", "yuki@tanaka.example", "Yuki", NULL, "由紀", "「海辺のカフカ」は日本語で読み直しています。やっぱり原文はいいですね。", CS_SJIS, U_PHONE, 60, false },
	[P_LIBRARY] = { "Stadtbücherei Nordhafen", "newsletter@buecherei-nordhafen.example", "", NULL, NULL, NULL, CS_UTF8_QP, U_BULK, 60, false },
	[P_BIKESHOP] = { "Fahrradladen Speiche & Kette", "rechnung@speiche-kette.example", "", NULL, NULL, NULL, CS_LATIN9, U_BULK, 60, false },
	[P_CI] = { "Lark CI", "ci@larkdb.example", "", NULL, NULL, NULL, CS_UTF8_8BIT, U_BULK, 0, false },
};

/* ---- what people say in replies ---- */

static const char *const say_dev[] = {
	"Thanks {p}, this looks good to me.",
	"I can reproduce this on Debian 12 with gcc 12.2, but not with clang 16. Could it be the strict aliasing thing again?",
	"Could you add a test for the empty-key case before we merge? The last two regressions were both in that path.",
	"+1 from me. Let's get it into 0.9 if CI stays green over the weekend.",
	"I'm not sure about this. The on-disk format is the one thing we promised not to break before 1.0, and this changes the page header.",
	"Bisected: the first bad commit is 4e1f2a9 (\"pager: reuse freed pages eagerly\"). Reverting it fixes the crash here.",
	"Small nit: the commit message says \"fixes\" but doesn't reference the issue number. Otherwise fine.",
	"Benchmarks on my laptop (i5-8250U, NVMe): before 41,200 inserts/s, after 57,900 inserts/s. Nice win!",
	"Sorry for the late reply, I was travelling. I'll take a proper look tomorrow morning.",
	"Do we have numbers for spinning disks too? Not everybody runs on NVMe, especially the Raspberry Pi users.",
	"Agreed. Let's not bikeshed the name any further; \"compact\" it is.",
	"Works for me on FreeBSD 14 and on macOS (arm64). Tested-by added.",
	"Pushed to main, thanks everyone!",
	"I've written this up on the wiki so we don't have the same discussion again in six months.",
	"Is there a reason we can't just use fdatasync() here? It would save a metadata write per commit on Linux.",
	NULL
};

static const char *const say_books[] = {
	"I'm only halfway through, so no spoilers please!",
	"I loved the ending, but the middle part dragged a bit for me.",
	"Can we meet at the café on Kastanienallee again? The one with the good cheesecake.",
	"I read it in translation and some of the wordplay is clearly lost. Did anyone read the original?",
	"Count me in for Thursday. I'll bring the snacks this time 🍪",
	"My copy is from the library and due back on the 12th, so I need to hurry 😅",
	"The cat! Nobody is talking about the cat. The cat is the best character.",
	"My favourite line, in the original: «Рукописи не горят». Manuscripts don't burn.",
	"Next time can we pick something shorter? 600 pages in three weeks is a lot with a toddler.",
	"Sounds good, {p}. See you all on Thursday!",
	"「海辺のカフカ」は日本語で読み直しています。やっぱり原文はいいですね。",
	NULL
};

static const char *const say_de[] = {
	"Super, danke {p}! 😊",
	"Ich kann leider erst am Samstag, Freitag muss ich bis 18 Uhr arbeiten.",
	"Soll ich den Kartoffelsalat mitbringen? Dann braucht ihr euch darum nicht zu kümmern.",
	"Habt ihr schon an ein Geschenk gedacht? Ich dachte an ein Fotobuch mit alten Bildern.",
	"Die Fotos sind wunderschön geworden! Könnt ihr mir die in voller Größe schicken?",
	"Der Zug kommt um 14:37 an, holt mich jemand vom Bahnhof ab?",
	"Grüße an alle, und passt auf euch auf.",
	"Oma fragt, ob wir dieses Jahr wieder Gänsebraten machen.",
	"Das Wetter soll am Wochenende schön werden, 24 °C und Sonne ☀️",
	"Ich habe 50 € überwiesen, das müsste morgen da sein.",
	"Klingt gut, {p}! Bis dann 👋",
	NULL
};

static const char *const say_ja[] = {
	"{p}さん、ご連絡ありがとうございます。",
	"手元の環境（Ubuntu 22.04）でも同じエラーが再現しました。",
	"最新版に更新したら解決しました。お騒がせしました。",
	"ドキュメントの翻訳を少しずつ進めています。来週には第3章まで終わる予定です。",
	"勉強会の資料を共有します。ご意見をいただけると嬉しいです。",
	"よろしくお願いいたします。",
	NULL
};

static const char *const say_zhs[] = {
	"谢谢{p}的回复！",
	"我这边在 CentOS 7 上也遇到了同样的问题。",
	"升级到最新版本以后问题解决了。",
	"文档的中文翻译已经完成了一半，欢迎大家帮忙校对。",
	"请问有没有性能测试的数据？",
	NULL
};

static const char *const say_zht[] = {
	"謝謝{p}的回覆！",
	"我在 Windows 上用 MSYS2 編譯成功了，步驟我晚點整理一下。",
	"這個問題在新版本中已經修正了嗎？",
	"我可以幫忙翻譯繁體中文的文件。",
	NULL
};

static const char *const say_ru[] = {
	"Спасибо, {p}!",
	"У меня та же проблема на Debian 12, сборка из исходников.",
	"Попробовал последнюю версию из git, всё работает.",
	"Могу помочь с переводом документации на русский.",
	"Есть ли планы поддержать Windows официально?",
	NULL
};

static const char *const say_ko[] = {
	"{p}님, 답변 감사합니다.",
	"저도 같은 문제가 있었는데 최신 버전으로 업데이트하니 해결되었습니다.",
	"문서 번역은 다음 주까지 마무리하겠습니다.",
	"혹시 성능 비교 자료가 있을까요?",
	"좋은 하루 되세요!",
	NULL
};

static const struct lang {
	const char *attrib;	/* {d} date, {n} name */
	const char *const *say;
} langs[] = {
	{ "On {d}, {n} wrote:", say_dev },
	{ "On {d}, {n} wrote:", say_books },
	{ "Am {d} schrieb {n}:", say_de },
	{ "{d} {n} さんは書きました:", say_ja },
	{ "{n} 于 {d} 写道：", say_zhs },
	{ "{n} 於 {d} 寫道：", say_zht },
	{ "{d}, {n} пишет:", say_ru },
	{ "{d}, {n} 님이 작성:", say_ko },
};
enum { L_DEV, L_BOOKS, L_DE, L_JA, L_ZHS, L_ZHT, L_RU, L_KO };

/* ---- circles: who writes to whom ---- */

enum { C_DEV, C_JA, C_ZH, C_RU, C_KO, C_CI, C_FAMILY, C_BOOKS, C_MISC };

static const struct circle {
	const char *list;	/* list address, or NULL for private mail */
	const char *list_name;
	const char *tag;	/* subject tag, or NULL */
	uint8_t lang, alt_lang;
	bool native;		/* members use each other's native names */
	uint8_t members[16];	/* P_NONE ends */
} circles[] = {
	[C_DEV] = { "lark-dev@lists.larkdb.example", "Lark development", "[lark-dev]", L_DEV, L_DEV, false,
		    { P_ME, P_ASA, P_JUERGEN, P_FRANCOIS, P_SASHA, P_PAT, P_PRIYA, P_MEHMET,
		      P_NGUYEN, P_ELENI, P_YAMADA, P_WANG, P_MINJUN, P_NONE } },
	[C_JA] = { "lark-users-ja@lists.larkdb.example", "Lark users (Japanese)", "[lark-ja]", L_JA, L_JA, true,
		   { P_YAMADA, P_HANAKO, P_SUZUKI, P_NONE } },
	[C_ZH] = { "lark-users-zh@lists.larkdb.example", "Lark users (Chinese)", "[lark-zh]", L_ZHS, L_ZHT, true,
		   { P_WANG, P_CHEN, P_LI, P_NONE } },
	[C_RU] = { "lark-users-ru@lists.larkdb.example", "Lark users (Russian)", "[lark-ru]", L_RU, L_RU, true,
		   { P_SASHA, P_OLGA, P_DIMA, P_NONE } },
	[C_KO] = { "lark-users-ko@lists.larkdb.example", "Lark users (Korean)", "[lark-ko]", L_KO, L_KO, true,
		   { P_MINJUN, P_SEOYEON, P_NONE } },
	[C_CI] = { "lark-ci@lists.larkdb.example", "Lark CI reports", "[lark-ci]", L_DEV, L_DEV, false,
		   { P_CI, P_NONE } },
	[C_FAMILY] = { NULL, NULL, NULL, L_DE, L_DE, false,
		       { P_ME, P_INGRID, P_THOMAS, P_LENA, P_HILDE, P_BERND, P_NONE } },
	[C_BOOKS] = { NULL, NULL, NULL, L_BOOKS, L_BOOKS, false,
		      { P_ME, P_ZOE, P_OLGA, P_YUKI, P_SOFIA, P_CHEN, P_SEOYEON, P_PRIYA, P_NONE } },
	[C_MISC] = { NULL, NULL, NULL, L_DEV, L_DEV, false, { P_NONE } },
};

/* ---- topics: each starts a thread ---- */

enum { X_PATCH = 1, X_NEWS = 2, X_AUTO = 4, X_FLAG = 8 };

static const struct topic {
	uint8_t circle, author, max, weight;
	unsigned extra;
	const char *subject;	/* {n} a number, {m} month and year */
	const char *files;	/* '|'-separated attachment names, or NULL */
	const char *body;	/* the opening message */
} topics[] = {
	{ C_DEV, P_ASA, 12, 1, X_FLAG, "Release 0.9.0 planning", NULL,
	  "Hi all,\n\nit's that time again. I'd like to tag 0.9.0 at the end of the\nmonth. Here is what I think is in:\n\n"
	  "  * incremental compaction (Jürgen)\n  * the new varint page format, behind a flag (Sasha)\n"
	  "  * Windows build fixes (Pat)\n  * Japanese and Korean docs (Yamada-san, Minjun)\n\n"
	  "Anything missing? Anything that should wait for 0.10?\n" },
	{ C_DEV, P_JUERGEN, 6, 1, X_PATCH, "[PATCH v2 3/7] btree: fix off-by-one in node split", NULL,
	  "When a node is split exactly at the midpoint, the separator key was\ncopied from the wrong slot, so the right sibling started with a\n"
	  "duplicate of the separator.\n\nFound with the new fuzz target; reproducer in\ntests/fuzz/corpus/btree-split-7.\n\n"
	  "Signed-off-by: Jürgen Weiß <juergen.weiss@posteo.example>\n---\n"
	  " src/btree.c        |  4 ++--\n tests/test-btree.c | 12 ++++++++++++\n 2 files changed, 14 insertions(+), 2 deletions(-)\n\n"
	  "diff --git a/src/btree.c b/src/btree.c\nindex 3f2a9c1..8b7d0e4 100644\n--- a/src/btree.c\n+++ b/src/btree.c\n"
	  "@@ -412,8 +412,8 @@ static int node_split(struct node *n, struct node *right)\n"
	  " \tsize_t mid = n->nkeys / 2;\n \n"
	  "-\tmemcpy(right->keys, n->keys + mid, (n->nkeys - mid) * sizeof *n->keys);\n-\tsep = n->keys[mid - 1];\n"
	  "+\tmemcpy(right->keys, n->keys + mid + 1, (n->nkeys - mid - 1) * sizeof *n->keys);\n+\tsep = n->keys[mid];\n"
	  " \tright->nkeys = n->nkeys - mid - 1;\n \tn->nkeys = mid;\n \treturn 0;\n-- \n2.43.0\n" },
	{ C_DEV, P_SASHA, 10, 1, 0, "RFC: switch the on-disk format to little-endian varints", NULL,
	  "Hi all,\n\nI'd like to propose changing the page format for 0.10: store cell\nlengths and child pointers as little-endian base-128 varints instead\n"
	  "of fixed 32-bit big-endian integers.\n\nOn my test set (10M keys, 16-48 byte values) this makes the file\n23% smaller and point lookups 9% faster, because more cells fit in\n"
	  "a page. Range scans are the same within noise.\n\nThe cost: a format bump, and lark-upgrade would have to rewrite the\n"
	  "whole file. I have a prototype on my branch (sasha/varint-pages).\n\nThoughts?\n" },
	{ C_DEV, P_PAT, 7, 1, 0, "Build failure on musl: undefined reference to `qsort_r'", NULL,
	  "Hi,\n\nbuilding main on Alpine 3.19 fails at link time:\n\n"
	  "  /usr/lib/gcc/x86_64-alpine-linux-musl/13.2.1/../../../../x86_64-alpine-linux-musl/bin/ld: src/index.o: in function `index_sort':\n"
	  "  index.c:(.text+0x1a4): undefined reference to `qsort_r'\n  collect2: error: ld returned 1 exit status\n\n"
	  "musl only grew qsort_r in 1.2.3, so I suspect our configure check\npicks the wrong prototype. Anyone on musl who can confirm?\n" },
	{ C_DEV, P_MEHMET, 6, 1, 0, "Segfault when opening a database created by 0.7.x", NULL,
	  "hi all\n\nafter upgrading to 0.8.2 opening my old db (created with 0.7.4) crashes:\n\n"
	  "  $ lark-cli stats ~/data/sensors.lark\n  Segmentation fault (core dumped)\n\nbacktrace:\n"
	  "  #0  page_header_read (p=0x0) at src/pager.c:141\n  #1  0x00005555555593b2 in pager_open (...) at src/pager.c:88\n"
	  "  #2  0x0000555555557a10 in main (...) at tools/cli.c:212\n\n"
	  "the file is 3.1 GB so I can't attach it, but I'm happy to run anything.\nteşekkürler!\n" },
	{ C_DEV, P_PRIYA, 8, 1, 0, "Proposal: drop the Python 2 bindings 🐍", NULL,
	  "Hi all,\n\nPython 2 has been end-of-life since January 2020, and our py2\nbindings have not built in CI for three releases. Nobody has\n"
	  "complained.\n\nI propose we remove bindings/python2/ in 0.9 and say so in NEWS.\nIf you still depend on them, please shout now!\n" },
	{ C_DEV, P_NGUYEN, 5, 1, 0, "Vietnamese translation of the tutorial / Ba\xcc\x89" "n di\xcc\xa3" "ch tie\xcc\x82\xcc\x81" "ng Vie\xcc\xa3\xcc\x82" "t", NULL,
	  "Hi all,\n\nI have translated the tutorial into Vietnamese (tie\xcc\x82\xcc\x81" "ng Vie\xcc\xa3\xcc\x82" "t). The\n"
	  "branch is an/tutorial-vi; 14 pages, all examples tested.\n\n"
	  "One question: our docs build does not normalise Unicode, and my\neditor writes decomposed characters (NFD). Is that a problem for\n"
	  "the search index on the website?\n" },
	{ C_DEV, P_ELENI, 9, 1, 0, "Discussion: should compaction run in a background thread, and if so, how do we keep "
	  "the write-ahead log bounded when the disk is nearly full and the user has set max_wal_pages to something tiny?", NULL,
	  "Hi all,\n\nsplitting this out of the 0.9 planning thread. Today compaction runs\ninline with the writer, which keeps things simple but means a write\n"
	  "can stall for seconds. A background thread would fix the stalls,\nbut then the WAL can grow without bound while compaction holds the\n"
	  "old pages.\n\nOptions I can see: (a) cap the WAL and block writers when it's\nfull, (b) let compaction give up and retry, (c) both. Opinions?\n" },
	{ C_DEV, P_ASA, 4, 1, 0, "Links from Thursday's meetup", NULL,
	  "Hi all,\n\nthanks to everyone who came on Thursday! As promised, the links:\n\n"
	  "  1. Slides: https://larkdb.example/talks/2024-meetup/compaction.pdf\n"
	  "  2. The SQLite file format, for comparison:\n     https://www.sqlite.org/fileformat2.html\n"
	  "  3. LMDB design notes: http://www.lmdb.tech/doc/\n"
	  "  4. RFC 5322, which somebody brought up for reasons I've forgotten:\n     <https://datatracker.ietf.org/doc/html/rfc5322>\n"
	  "  5. B-trees on Wikipedia: https://en.wikipedia.org/wiki/B-tree\n"
	  "  6. Jürgen's benchmark scripts:\n     https://code.larkdb.example/juergen/lark-bench/src/branch/main/run.sh?ref=meetup&lang=de#L42\n"
	  "  7. Photos (ask me for the password): https://photos.larkdb.example/s/Xk3f9QpL2m\n"
	  "  8. Next meetup poll: https://poll.example.org/lark-meetup?tz=Europe%2FBerlin.\n"
	  "  9. ftp://ftp.larkdb.example/pub/lark/lark-0.8.2.tar.gz (yes, we still have FTP)\n"
	  " 10. mailto:lark-dev-join@lists.larkdb.example\n\nSee you next time!\n" },
	{ C_DEV, P_FRANCOIS, 5, 1, 0, "Présentation de Lark aux « Rencontres du Libre » à Lyon", NULL,
	  "Bonjour à tous,\n\nje présenterai Lark aux « Rencontres du Libre » à Lyon le mois\nprochain (20 minutes, en français). J’aimerais montrer la\n"
	  "compaction incrémentale – est-ce que la branche est assez stable ?\n\nLes transparents seront en ligne après la conférence.\n" },
	{ C_DEV, P_YAMADA, 5, 1, 0, "Japanese docs: 第3章のレビューをお願いします (review request for chapter 3)", NULL,
	  "Hi all (and 日本語ユーザーの皆さん),\n\nchapter 3 of the Japanese documentation is ready for review:\n"
	  "https://code.larkdb.example/yamada/lark-docs-ja/pulls/3\n\n特に「トランザクション」の用語の訳し方についてご意見ください。\n" },
	{ C_DEV, P_ME, 6, 1, 0, "Greetings from the Bangkok meetup — สวัสดีครับ 🙏", NULL,
	  "Hi all,\n\nquick note from the Bangkok meetup: about 30 people, and at least\nfive of them run Lark in production, which surprised me. The\n"
	  "organisers taught me to say สวัสดีครับ, which I then used about\nforty times.\n\n"
	  "Two feature requests came up more than once: a read-only mode for\nbackups, and better error messages when the file is locked.\n" },
	{ C_DEV, P_WANG, 5, 1, 0, "Question about mmap on 32-bit ARM", NULL,
	  "Hello,\n\non a 32-bit ARM board (512 MB RAM) Lark fails to open databases\nbigger than about 1.5 GB, because mmap of the whole file fails.\n"
	  "Is there an option to use pread instead of mmap?\n\nThanks,\n" },
	{ C_DEV, P_MINJUN, 4, 1, 0, "Korean docs are live 🎉 (한국어 문서)", NULL,
	  "Hi all,\n\nthe Korean documentation is now live at https://larkdb.example/ko/\nThanks to 이서연 for reviewing every page!\n" },
	{ C_JA, P_HANAKO, 6, 1, 0, "インストール時のエラーについて", NULL,
	  "皆様\n\nお世話になっております。佐藤です。\n\nLark 0.8.2 をソースからビルドしようとしたところ、\nmake の途中で以下のエラーが出てしまいました。\n\n"
	  "  src/pager.c:218: error: 'MAP_POPULATE' undeclared\n\n環境は macOS 14 (Apple Silicon) です。\n何か回避策はありますでしょうか。\n\n"
	  "よろしくお願いいたします。\n" },
	{ C_JA, P_SUZUKI, 5, 1, 0, "Lark 0.9 の新機能まとめ", NULL,
	  "鈴木です。\n\n0.9 の新機能を日本語でまとめてみました。\n\n・インクリメンタル・コンパクション\n・新しいページ形式（可変長整数）\n"
	  "・Windows でのビルド対応\n・日本語ドキュメントの拡充\n\n間違いがあればご指摘ください。\n" },
	{ C_ZH, P_WANG, 6, 1, 0, "关于数据库压缩的问题", NULL,
	  "大家好，\n\n我在使用 Lark 0.8 的时候发现，数据库文件在删除大量数据以后并不会变小。\n"
	  "请问有没有类似 VACUUM 的命令？还是需要等 0.9 的增量压缩功能？\n\n谢谢！\n" },
	{ C_ZH, P_CHEN, 5, 1, 0, "請問如何在 Windows 上編譯？", NULL,
	  "各位好，\n\n我想在 Windows 10 上編譯 Lark，但是 configure 一直失敗，\n錯誤訊息是「cannot find sys/mman.h」。\n\n"
	  "請問有人成功過嗎？需要安裝什麼套件？\n\n感謝大家的幫忙。\n" },
	{ C_RU, P_SASHA, 6, 1, 0, "Вопрос по производительности записи", NULL,
	  "Всем привет!\n\nТестирую Lark 0.8 на вставку 10 млн ключей: первые два миллиона\nидут быстро, а потом скорость падает раз в пять.\n\n"
	  "Это ожидаемо? Может, есть настройка размера кэша страниц?\n\nЗаранее спасибо.\n" },
	{ C_RU, P_OLGA, 5, 1, 0, "Перевод документации: кто возьмёт главу 4?", NULL,
	  "Коллеги,\n\nглавы 1-3 переведены и уже лежат в репозитории. Осталась глава 4\n(\"Транзакции и журнал\"), она самая большая.\n\n"
	  "Кто готов взять её на себя? Могу поделить пополам.\n" },
	{ C_KO, P_MINJUN, 5, 1, 0, "문서 번역 진행 상황", NULL,
	  "안녕하세요, 김민준입니다.\n\n한국어 문서 번역 진행 상황을 공유드립니다.\n\n- 설치 안내: 완료\n- 튜토리얼: 80%\n- API 문서: 시작 전\n\n"
	  "도움을 주실 분은 언제든지 연락 주세요.\n" },
	{ C_FAMILY, P_INGRID, 12, 1, X_FLAG, "🎂 Omas 80. Geburtstag – wer bringt was mit?", NULL,
	  "Hallo ihr Lieben,\n\nam 14. steht Omas 80. an! Wir feiern im Garten, ab 15 Uhr.\n\nBisher:\n"
	  "- Kuchen: ich (Schwarzwälder Kirsch natürlich)\n- Getränke: Papa\n- Salate: ???\n\n"
	  "Wer übernimmt was? Und bitte nichts verraten, Oma weiß nur, dass\n\"ein paar Leute\" kommen.\n\nKuss, Mama\n" },
	{ C_FAMILY, P_LENA, 6, 1, 0, "Fotos vom Gardasee 📷🌊",
	  "Gardasee – Sonnenuntergang.png|Malcesine_Hafen.png|IMG_20240518_1842.png",
	  "Hier sind ein paar Fotos vom Gardasee! Das Wetter war traumhaft ☀️\nDas letzte ist aus Malcesine, da gab es das beste Eis der Welt 🍦\n" },
	{ C_FAMILY, P_THOMAS, 5, 1, 0, "Rezept: Käsespätzle à la Papa", NULL,
	  "Wie versprochen, das Rezept:\n\nFür 4 Personen:\n  500 g Mehl\n  5 Eier\n  ca. 200 ml Wasser (Sprudel!)\n  1 TL Salz\n"
	  "  300 g Bergkäse, gerieben\n  3 Zwiebeln\n\nTeig schlagen, bis er Blasen wirft. Durch die Spätzlepresse ins\n"
	  "kochende Salzwasser drücken, sobald sie oben schwimmen, abschöpfen.\nAbwechselnd mit Käse in eine Form schichten, im Ofen bei 180 °C\n"
	  "kurz schmelzen lassen. Zwiebeln in Butter goldbraun rösten, drüber.\n\nGuten Appetit!\n" },
	{ C_FAMILY, P_HILDE, 7, 1, 0, "Weihnachten bei uns?", NULL,
	  "Liebe Kinder,\n\nich wollte fragen, ob ihr dieses Jahr Weihnachten wieder zu mir kommt.\n"
	  "Ich würde eine Gans machen, so wie früher. Bernd hat schon „ja“ gesagt.\n\n"
	  "Gebt mir bitte bis Ende November Bescheid, damit ich beim Metzger\nbestellen kann.\n" },
	{ C_FAMILY, P_BERND, 4, 1, 0, "Flug gebucht ✈️ – Ankunft Freitag 14:35", NULL,
	  "Moin zusammen,\n\nFlug ist gebucht: Freitag, Ankunft BER 14:35. Kann mich jemand abholen?\nSonst nehme ich den FEX.\n" },
	{ C_FAMILY, P_LENA, 5, 1, 0, "Familienfoto 👨‍👩‍👧‍👦", "Familie 👨‍👩‍👧‍👦 2024.png",
	  "Das Foto vom Wochenende – Oma hat zum ersten Mal nicht geblinzelt! 😂\n" },
	{ C_BOOKS, P_ZOE, 8, 1, 0, "Next pick: The Master and Margarita (Мастер и Маргарита)", NULL,
	  "Hi everyone,\n\nthe votes are in and it's Bulgakov! 🎉 We'll read The Master and\nMargarita for the meeting on the 21st.\n\n"
	  "Olga has kindly offered to tell us what the translations miss.\nAny translation is fine; I have the Pevear/Volokhonsky one.\n" },
	{ C_BOOKS, P_YUKI, 6, 1, 0, "Reading schedule for 海辺のカフカ / Kafka on the Shore", "Reading schedule – 海辺のカフカ.pdf",
	  "Hi all,\n\nhere is the reading schedule for Kafka on the Shore (海辺のカフカ),\nattached as a PDF. Roughly 100 pages a week:\n\n"
	  "  Week 1: chapters 1-10\n  Week 2: chapters 11-24\n  Week 3: chapters 25-36\n  Week 4: chapters 37-49\n\n"
	  "I'm reading it in Japanese this time, so I may quote the original.\n" },
	{ C_BOOKS, P_ZOE, 6, 1, 0, "Meeting moved to Thursday — Cafe\xcc\x81 Zoe\xcc\x88", NULL,
	  "Hi all,\n\nsmall change: we're meeting on Thursday instead of Wednesday, same\ntime (19:30), at Café Zoë on Kastanienallee. Yes, really, that's its\n"
	  "name, and no, I don't own it.\n" },
	{ C_BOOKS, P_CHEN, 7, 1, 0, "Vote: 《三體》 or 《百年孤寂》?", NULL,
	  "Hi everyone,\n\nfor the autumn I'd like to propose two books, please vote:\n\n"
	  "  A) 《三體》 The Three-Body Problem, Liu Cixin\n  B) 《百年孤寂》 One Hundred Years of Solitude, Garcia Marquez\n\n"
	  "I can lend my copies (both in Chinese, sorry!).\n" },
	{ C_BOOKS, P_SOFIA, 5, 1, 0, "Cien años de soledad: ¿en español o en inglés?", NULL,
	  "¡Hola a todos!\n\nIf we pick Cien años de soledad, I can lend two copies in Spanish.\n"
	  "It's much better in the original, of course. ¿Quién se anima?\n\nBesos,\n" },
	{ C_BOOKS, P_SEOYEON, 5, 1, 0, "Minutes from Tuesday + 다음 책 추천", NULL,
	  "Hi all,\n\nminutes from Tuesday:\n  - We finished The Master and Margarita. Verdict: the cat wins.\n"
	  "  - Next meeting: the 21st, usual place.\n  - 다음 책 추천: 한강, 《채식주의자》 (The Vegetarian)\n\n"
	  "Please add your suggestions before Friday!\n" },
	{ C_BOOKS, P_ZOE, 4, 1, 0, "Minutes of the annual meeting", "Minutes of the annual meeting of the “Babel” "
	  "reading circle – March 2024 (final version, with corrections from Zoë).pdf",
	  "Hi all,\n\nattached are the minutes of the annual meeting, with everybody's\ncorrections. Thanks again for another year of good books!\n" },
	{ C_MISC, P_LIBRARY, 1, 6, X_NEWS, "Newsletter {m}: Neue Bücher, Lesungen und der Sommerleseclub ☀️", NULL,
	  "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n<title>Stadtbücherei Nordhafen – Newsletter {m}</title>\n"
	  "<style>\nbody { font-family: Georgia, serif; max-width: 40em; margin: auto; color: #222; }\n"
	  "h1 { color: #0b5394; } td { padding: 4px 8px; border-bottom: 1px solid #ddd; }\n</style>\n</head>\n<body>\n"
	  "<h1>Stadtbücherei Nordhafen</h1>\n<p>Liebe Leserinnen und Leser,</p>\n"
	  "<p>hier sind unsere Neuigkeiten für {m}. Wir freuen uns auf Ihren Besuch! 📚</p>\n<h2>Neu im Regal</h2>\n<table>\n"
	  "<tr><td><b>Olga Tokarczuk</b></td><td>Die Jakobsbücher</td></tr>\n"
	  "<tr><td><b>Haruki Murakami</b></td><td>Die Stadt und ihre ungewisse Mauer</td></tr>\n"
	  "<tr><td><b>Chimamanda Ngozi Adichie</b></td><td>Americanah</td></tr>\n</table>\n<h2>Veranstaltungen</h2>\n<ul>\n"
	  "<li>Donnerstag, 19 Uhr: Lesung &bdquo;Nordhafener Geschichten&ldquo; mit anschließendem Gespräch über das Leben am Hafen, damals und heute</li>\n"
	  "<li>Samstag, 11 Uhr: Vorlesestunde für Kinder ab 4 Jahren 🧸</li>\n"
	  "<li>Jeden Mittwoch: Repair-Café im Foyer (Toaster, Fahrräder, Pullover)</li>\n</ul>\n"
	  "<p>Der <a href=\"https://buecherei-nordhafen.example/sommerleseclub\">Sommerleseclub</a> startet wieder – Anmeldung ab sofort an der Theke.</p>\n"
	  "<p style=\"font-size:small;color:#777\">Sie erhalten diese E-Mail, weil Sie den Newsletter abonniert haben.\n"
	  "<a href=\"https://buecherei-nordhafen.example/newsletter/abmelden?u=robin%40example.org\">Abmelden</a></p>\n</body>\n</html>\n" },
	{ C_MISC, P_BIKESHOP, 1, 2, 0, "Ihre Rechnung Nr. {n}", "Rechnung_{n}_für_Robin_Schneider.pdf",
	  "Sehr geehrte Kundin, sehr geehrter Kunde,\n\nvielen Dank für Ihren Besuch! Anbei erhalten Sie Ihre Rechnung\nNr. {n} als PDF.\n\n"
	  "  Inspektion (Sommer-Check)        49,00 €\n  Kette KMC X9, 9-fach             24,90 €\n  Montage                          15,00 €\n"
	  "  ----------------------------------------\n  Summe (inkl. 19 % MwSt.)         88,90 €\n\n"
	  "Zahlbar innerhalb von 14 Tagen ohne Abzug.\n\nMit freundlichen Grüßen\nIhr Team vom Fahrradladen Speiche & Kette\n" },
	{ C_CI, P_CI, 1, 4, X_AUTO, "Build #{n} failed on main (gcc-13, asan)", NULL,
	  "Build #{n} on main failed.\n\n  Commit:  4e1f2a9 \"pager: reuse freed pages eagerly\"\n"
	  "  Runner:  debian-12-amd64 (gcc 13.2, -fsanitize=address,undefined)\n  Stage:   make check\n\n"
	  "FAIL: tests/test-pager 7 - page reuse after free\n"
	  "==31337==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000f10\n"
	  "READ of size 8 at 0x602000000f10 thread T0\n    #0 0x55d4c3a1b2c4 in pager_get src/pager.c:218\n"
	  "    #1 0x55d4c3a1a9f0 in btree_find src/btree.c:97\n\nFull log: https://ci.larkdb.example/lark/builds/{n}\n\n"
	  "-- \nYou are receiving this because you are subscribed to lark-ci.\n" },
};

#define NTOPICS ARRAY_LEN(topics)

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const monate[] = { "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember" };

/* ---- the plan ---- */

enum { Q_PHANTOM = 1, Q_IRT_ONLY = 2, Q_EARLY = 4 };

struct plan {
	int64_t age;		/* seconds before the reference time */
	uint32_t salt;		/* this message's own random stream */
	int32_t parent;		/* plan index, or -1 */
	uint32_t root;		/* plan index of the thread's first message */
	uint16_t topic;
	uint8_t sender;
	uint8_t quirks;		/* Q_* */
	uint8_t flags;		/* DEMO_* */
};

struct demo_gen {
	uint32_t seed;
	size_t count, next;
	int64_t now;
	struct plan *plan;
	uint32_t *order;	/* arrival order: indices into plan */
	struct buf out;
	iconv_t cd[CS_COUNT];	/* UTF-8 to each charset, opened on demand */
	bool cd_tried[CS_COUNT];
};

/* ---- small text helpers ---- */

static bool is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

static size_t utf8_len(const char *s)
{
	unsigned char c = (unsigned char)*s;

	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

struct vars {
	const char *p, *d, *n, *m;	/* {p} {d} {n} {m} */
};

/* Appends s with {x} replaced by the matching member of v. */
static void expand(struct buf *o, const char *s, const struct vars *v)
{
	for (; *s != '\0'; s++) {
		const char *val = NULL;

		if (s[0] == '{' && s[1] != '\0' && s[2] == '}') {
			switch (s[1]) {
			case 'p': val = v->p; break;
			case 'd': val = v->d; break;
			case 'n': val = v->n; break;
			case 'm': val = v->m; break;
			}
		}
		if (val != NULL) {
			buf_puts(o, val);
			s += 2;
		} else {
			buf_putc(o, *s);
		}
	}
}

static void put_date(struct buf *o, int64_t t, int tz)
{
	time_t tt = (time_t)(t + tz * 60);
	struct tm tm;
	int a = tz < 0 ? -tz : tz;

	gmtime_r(&tt, &tm);
	buf_printf(o, "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d", wdays[tm.tm_wday],
		   tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
		   tm.tm_min, tm.tm_sec, tz < 0 ? '-' : '+', a / 60, a % 60);
}

static void put_base64(struct buf *o, const unsigned char *p, size_t n, bool lines)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		char q[4];

		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[v >> 18];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		buf_append(o, q, 4);
		if (lines && (col += 4) == 76) {
			buf_putc(o, '\n');
			col = 0;
		}
	}
	if (lines && col > 0)
		buf_putc(o, '\n');
}

static void put_qp(struct buf *o, const char *s, size_t n)
{
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool eol = i + 1 == n || s[i + 1] == '\n';
		char enc[4];
		size_t len = 1;

		if (c == '\n') {
			buf_putc(o, '\n');
			col = 0;
			continue;
		}
		if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol))
			enc[0] = (char)c;
		else
			len = (size_t)snprintf(enc, sizeof enc, "=%02X", c);
		if (col + len > (eol ? 76u : 75u)) {
			buf_puts(o, "=\n");
			col = 0;
		}
		buf_append(o, enc, len);
		col += len;
	}
	if (n == 0 || s[n - 1] != '\n')
		buf_putc(o, '\n');
}

/* Converts n bytes of UTF-8 into charset cs, appending to o.  False when
 * iconv lacks the charset or a character has no mapping (o unchanged). */
static bool conv(struct demo_gen *g, unsigned cs, const char *s, size_t n, struct buf *o)
{
	size_t start = o->len;
	char tmp[1024], *in = (char *)s, *out;
	size_t inleft = n, outleft, r;

	if (strcmp(charsets[cs].conv, "UTF-8") == 0) {
		buf_append(o, s, n);
		return true;
	}
	if (!g->cd_tried[cs]) {
		g->cd_tried[cs] = true;
		g->cd[cs] = iconv_open(charsets[cs].conv, "UTF-8");
	}
	if (g->cd[cs] == (iconv_t)-1)
		return false;
	iconv(g->cd[cs], NULL, NULL, NULL, NULL);
	for (;;) {
		out = tmp;
		outleft = sizeof tmp;
		r = inleft > 0 ? iconv(g->cd[cs], &in, &inleft, &out, &outleft)
			       : iconv(g->cd[cs], NULL, NULL, &out, &outleft);
		buf_append(o, tmp, (size_t)(out - tmp));
		if (r == (size_t)-1 && errno == E2BIG)
			continue;
		if (r != 0) {
			buf_truncate(o, start);
			return false;
		}
		if (inleft == 0 && out == tmp)
			return true;
	}
}

/* The charset a UTF-8 fallback uses in place of cs. */
static unsigned utf8_for(unsigned cs)
{
	switch (charsets[cs].words) {
	case 'Q': return CS_UTF8_QP;
	case 'R': return CS_UTF8_RAW;
	default: return charsets[cs].cte == CTE_8BIT ? CS_UTF8_8BIT : CS_UTF8_B64;
	}
}

/* ---- headers ---- */

/* A header being written, folded before a token that would pass column 76. */
struct hdr {
	struct buf *o;
	size_t col;
	bool first;
};

static void hdr_start(struct hdr *h, struct buf *o, const char *name)
{
	h->o = o;
	h->first = true;
	buf_printf(o, "%s:", name);
	h->col = strlen(name) + 1;
}

static void hdr_token(struct hdr *h, const char *t, size_t n, bool space)
{
	if (space && !h->first && h->col + 1 + n > 76) {
		buf_puts(h->o, "\n ");
		h->col = 1;
	} else if (space) {
		buf_putc(h->o, ' ');
		h->col++;
	}
	buf_append(h->o, t, n);
	h->col += n;
	h->first = false;
}

static void hdr_end(struct hdr *h)
{
	buf_putc(h->o, '\n');
}

/* One RFC 2047 word for the n UTF-8 bytes at s; false when cs can't hold them. */
static bool encoded_word(struct demo_gen *g, unsigned cs, const char *s, size_t n, struct buf *w)
{
	struct buf raw = BUF_INIT;

	buf_reset(w);
	if (!conv(g, cs, s, n, &raw)) {
		buf_free(&raw);
		return false;
	}
	buf_printf(w, "=?%s?%c?", charsets[cs].label, charsets[cs].words == 'Q' ? 'Q' : 'B');
	if (charsets[cs].words == 'Q') {
		for (size_t i = 0; i < raw.len; i++) {
			unsigned char c = (unsigned char)raw.data[i];

			if (ascii_isalnum(c))
				buf_putc(w, (char)c);
			else if (c == ' ')
				buf_putc(w, '_');
			else
				buf_printf(w, "=%02X", c);
		}
	} else {
		put_base64(w, (const unsigned char *)raw.data, raw.len, false);
	}
	buf_puts(w, "?=");
	buf_free(&raw);
	return true;
}

/* Writes UTF-8 text as encoded words no longer than 75 characters, cut
 * between characters; falls back to UTF-8 if cs can't hold the text. */
static void hdr_encoded(struct hdr *h, struct demo_gen *g, unsigned cs, const char *s, size_t n)
{
	struct buf w = BUF_INIT, best = BUF_INIT;
	struct buf probe = BUF_INIT;
	size_t pos = 0;

	if (charsets[cs].words == 'R' || !conv(g, cs, s, n, &probe))
		cs = utf8_for(cs) == CS_UTF8_RAW ? CS_UTF8_QP : utf8_for(cs);
	buf_free(&probe);
	while (pos < n) {
		size_t end = pos + utf8_len(s + pos), good = end;

		encoded_word(g, cs, s + pos, end - pos, &best);
		while (end < n) {
			end += utf8_len(s + end);
			if (!encoded_word(g, cs, s + pos, end - pos, &w) || w.len > 75)
				break;
			good = end;
			buf_reset(&best);
			buf_append(&best, w.data, w.len);
		}
		if (good < n) {
			/* rather end a word with a space than cut a word in two */
			size_t sp = good;

			while (sp > pos + 1 && s[sp - 1] != ' ')
				sp--;
			if (sp > pos + 1 && s[sp - 1] == ' ' && sp != good) {
				good = sp;
				encoded_word(g, cs, s + pos, good - pos, &best);
			}
		}
		hdr_token(h, best.data, best.len, true);
		pos = good;
	}
	buf_free(&w);
	buf_free(&best);
}

/* Writes free text (a subject): ASCII words as they are, each run of
 * adjacent non-ASCII words as encoded words, or raw for an 8-bit sender. */
static void hdr_text(struct hdr *h, struct demo_gen *g, unsigned cs, const char *s)
{
	while (*s != '\0') {
		const char *w = s, *run_end;

		while (*s != '\0' && *s != ' ')
			s++;
		if (is_ascii(w, (size_t)(s - w)) || charsets[cs].words == 'R') {
			hdr_token(h, w, (size_t)(s - w), true);
		} else {
			run_end = s;
			while (*s == ' ') {
				const char *next = s + 1, *e = next;

				while (*e != '\0' && *e != ' ')
					e++;
				if (e == next || is_ascii(next, (size_t)(e - next)))
					break;
				s = run_end = e;
			}
			hdr_encoded(h, g, cs, w, (size_t)(run_end - w));
		}
		while (*s == ' ')
			s++;
	}
}

/* A display name: plain, quoted when it holds specials, or encoded. */
static void hdr_phrase(struct hdr *h, struct demo_gen *g, unsigned cs, const char *name)
{
	bool specials = strpbrk(name, "()<>[]:;@\\,.\"") != NULL;
	struct buf q = BUF_INIT;

	if (is_ascii(name, strlen(name)) || charsets[cs].words == 'R') {
		if (!specials) {
			hdr_text(h, g, cs, name);
			return;
		}
		buf_putc(&q, '"');
		for (const char *p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(&q, '\\');
			buf_putc(&q, *p);
		}
		buf_putc(&q, '"');
		hdr_token(h, q.data, q.len, true);
		buf_free(&q);
	} else if (specials) {
		hdr_encoded(h, g, cs, name, strlen(name));
	} else {
		hdr_text(h, g, cs, name);
	}
}

static void hdr_mailbox(struct hdr *h, struct demo_gen *g, unsigned cs, unsigned who, bool comma)
{
	char addr[128];
	int n;

	hdr_phrase(h, g, cs, people[who].name);
	n = snprintf(addr, sizeof addr, "<%s>%s", people[who].addr, comma ? "," : "");
	hdr_token(h, addr, (size_t)n, true);
}

/* ---- who, when, what ---- */

static const struct plan *P(const struct demo_gen *g, int64_t i)
{
	return &g->plan[i];
}

static const struct topic *topic_of(const struct demo_gen *g, uint32_t i)
{
	return &topics[g->plan[i].topic];
}

static const struct circle *circle_of(const struct demo_gen *g, uint32_t i)
{
	return &circles[topic_of(g, i)->circle];
}

static bool is_patch_root(const struct demo_gen *g, uint32_t i)
{
	return (topic_of(g, i)->extra & X_PATCH) && P(g, i)->parent < 0 &&
	       !(P(g, i)->quirks & Q_PHANTOM);
}

static unsigned cs_of(const struct demo_gen *g, uint32_t i)
{
	return is_patch_root(g, i) ? CS_UTF8_8BIT : people[P(g, i)->sender].cs;
}

static const struct mua *mua_of(const struct demo_gen *g, uint32_t i)
{
	return &muas[is_patch_root(g, i) ? U_GIT : people[P(g, i)->sender].mua];
}

static bool has_parent(const struct demo_gen *g, uint32_t i)
{
	return P(g, i)->parent >= 0 || (P(g, i)->quirks & Q_PHANTOM);
}

static int64_t date_of(const struct demo_gen *g, uint32_t i)
{
	return g->now - P(g, i)->age;
}

/* What the parent's author is called, by whoever writes message i. */
static const char *hi_of(const struct demo_gen *g, uint32_t i)
{
	unsigned who = P(g, i)->parent >= 0 ? P(g, P(g, i)->parent)->sender : topic_of(g, i)->author;
	const struct person *p = &people[who];

	return circle_of(g, i)->native && p->hi_native != NULL ? p->hi_native : p->hi;
}

/* The thread-wide {n} and {m}, from the date of the thread's root. */
static void thread_vars(const struct demo_gen *g, uint32_t i, char *n, size_t nsize, char *m, size_t msize)
{
	int64_t t = date_of(g, P(g, i)->root);
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(n, nsize, "%lld", (long long)((t / 3600) % 100000));
	snprintf(m, msize, "%s %d", monate[tm.tm_mon], tm.tm_year + 1900);
}

/* The subject of message i, decoded. */
static void subject_of(const struct demo_gen *g, uint32_t i, struct buf *o)
{
	const struct circle *c = circle_of(g, i);
	char n[24], m[32];
	struct vars v = { NULL, NULL, n, m };

	thread_vars(g, i, n, sizeof n, m, sizeof m);
	if (has_parent(g, i))
		buf_puts(o, mua_of(g, i)->re);
	if (c->tag != NULL)
		buf_printf(o, "%s ", c->tag);
	expand(o, topic_of(g, i)->subject, &v);
}

static void message_id(const struct demo_gen *g, uint32_t i, bool phantom, struct buf *o)
{
	const struct plan *p = P(g, i);
	unsigned who = phantom ? topic_of(g, i)->author : p->sender;
	const char *dom = strchr(people[who].addr, '@') + 1;
	int64_t t = date_of(g, i) - (phantom ? DAY + (p->salt & 0xffff) : 0);
	time_t tt = (time_t)t;
	struct rng r = rng_make(g->seed ^ p->salt, i * 2 + phantom);
	struct tm tm;

	gmtime_r(&tt, &tm);
	switch (people[who].mua) {
	case U_MUTT:
		buf_printf(o, "<%04d%02d%02d%02d%02d%02d.GA%u%s@%s>", tm.tm_year + 1900,
			   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			   i, phantom ? "p" : "", dom);
		break;
	case U_TB:
	case U_APPLE:
	case U_PHONE:
		buf_printf(o, "<%08x-%04x-%04x-%04x-%04x%08x@%s>", rng_next(&r),
			   rng_next(&r) & 0xffff, 0x4000 | (rng_next(&r) & 0xfff),
			   0x8000 | (rng_next(&r) & 0x3fff), phantom ? 0xfffu : 0u, i, dom);
		break;
	default:
		buf_printf(o, "<%lld.%u.%s%08X@%s>", (long long)t, i, phantom ? "P" : "",
			   rng_next(&r), dom);
		break;
	}
}

/* ---- bodies ---- */

/* Wraps one paragraph at WRAP columns; flowed lines end in a space. */
static void wrap(struct buf *o, const char *s, bool flowed)
{
	size_t col = 0;

	while (*s != '\0') {
		const char *w = s;

		while (*s != '\0' && *s != ' ')
			s++;
		if (col > 0 && col + 1 + (size_t)(s - w) > WRAP) {
			buf_puts(o, flowed ? " \n" : "\n");
			col = 0;
		} else if (col > 0) {
			buf_putc(o, ' ');
			col++;
		}
		buf_append(o, w, (size_t)(s - w));
		col += (size_t)(s - w);
		while (*s == ' ')
			s++;
	}
	buf_putc(o, '\n');
}

/* What message i itself says, without quotes or signature. */
static void own_text(const struct demo_gen *g, uint32_t i, struct buf *o)
{
	const struct plan *p = P(g, i);
	const struct circle *c = circle_of(g, i);
	struct rng r = rng_make(g->seed, p->salt);
	char n[24], m[32];
	struct vars v = { hi_of(g, i), NULL, n, m };
	const char *const *say = langs[people[p->sender].alt ? c->alt_lang : c->lang].say;
	uint32_t nsay = 0, k, picked[3];
	struct buf para = BUF_INIT;

	thread_vars(g, i, n, sizeof n, m, sizeof m);
	if (!has_parent(g, i)) {
		expand(o, topic_of(g, i)->body, &v);
		return;
	}
	while (say[nsay] != NULL)
		nsay++;
	k = 1 + rng_below(&r, 3);
	for (uint32_t j = 0; j < k; j++) {
		uint32_t pick = rng_below(&r, nsay + 2);
		const char *line = people[p->sender].line;

		for (uint32_t x = 0; x < j; x++)
			if (picked[x] == pick)
				pick = (pick + 1) % nsay;
		picked[j] = pick;
		buf_reset(&para);
		expand(&para, pick < nsay || line == NULL ? say[pick % nsay] : line, &v);
		if (j > 0)
			buf_putc(o, '\n');
		wrap(o, buf_cstr(&para), mua_of(g, i)->style & M_FLOWED);
	}
	buf_free(&para);
}

static void body_text(const struct demo_gen *g, uint32_t i, int levels, bool sig, struct buf *o);

static int quote_level(const char *s)
{
	int n = 0;

	for (; *s == '>' || *s == ' '; s++)
		n += *s == '>';
	return n;
}

/* The quoted parent (or, for a reply to a message that never arrives,
 * the topic's opening), in the style of message i's mail program. */
static void quote(const struct demo_gen *g, uint32_t i, int levels, struct buf *o)
{
	const struct plan *p = P(g, i);
	const struct mua *mua = mua_of(g, i);
	struct buf src = BUF_INIT, d = BUF_INIT, subj = BUF_INIT;
	unsigned who;
	int64_t when;
	time_t tt;
	struct tm tm;
	const char *s;
	int deep = 0;

	if (p->parent < 0) {
		char n[24], m[32];
		struct vars v = { NULL, NULL, n, m };

		thread_vars(g, i, n, sizeof n, m, sizeof m);
		who = topic_of(g, i)->author;
		when = date_of(g, i) - DAY - (p->salt & 0xffff);
		expand(&src, topic_of(g, i)->body, &v);
	} else {
		who = P(g, p->parent)->sender;
		when = date_of(g, (uint32_t)p->parent);
		body_text(g, (uint32_t)p->parent, levels, false, &src);
	}
	while (src.len > 0 && src.data[src.len - 1] == '\n')
		buf_truncate(&src, src.len - 1);
	tt = (time_t)(when + people[p->sender].tz * 60);
	gmtime_r(&tt, &tm);
	buf_printf(&d, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		   tm.tm_mday, tm.tm_hour, tm.tm_min);
	if (mua->style & M_OUTLOOK) {
		subject_of(g, p->parent >= 0 ? (uint32_t)p->parent : i, &subj);
		buf_printf(o, "-----Original Message-----\nFrom: %s <%s>\nSent: %s\nSubject: %s\n\n%s\n",
			   people[who].name, people[who].addr, d.data, subj.data, buf_cstr(&src));
	} else {
		struct vars v = { NULL, d.data, people[who].name, NULL };
		const struct circle *c = circle_of(g, i);

		expand(o, langs[people[p->sender].alt ? c->alt_lang : c->lang].attrib, &v);
		buf_putc(o, '\n');
		/* the parent's own words in full, older ones trimmed */
		for (s = buf_cstr(&src); *s != '\0'; ) {
			const char *e = strchr(s, '\n');
			size_t len = e != NULL ? (size_t)(e - s) : strlen(s);
			const char *pfx = (mua->style & M_FLOWED) && *s == '>' ? ">" : "> ";

			if (quote_level(s) > 0 && ++deep > QUOTE_LINES) {
				if (deep == QUOTE_LINES + 1)
					buf_printf(o, "%s> [...]\n", pfx);
			} else if (len == 0) {
				buf_puts(o, ">\n");
			} else {
				buf_printf(o, "%s%.*s\n", pfx, (int)len, s);
			}
			s += len + (e != NULL);
		}
	}
	buf_free(&src);
	buf_free(&d);
	buf_free(&subj);
}

/* The whole text of message i as UTF-8: quote and own words in the order
 * its mail program puts them, then the signature when sig is set. */
static void body_text(const struct demo_gen *g, uint32_t i, int levels, bool sig, struct buf *o)
{
	const char *signature = people[P(g, i)->sender].sig;
	bool top = mua_of(g, i)->style & M_TOP;
	struct buf own = BUF_INIT, q = BUF_INIT;

	own_text(g, i, &own);
	if (has_parent(g, i) && levels > 0)
		quote(g, i, levels - 1, &q);
	if (is_patch_root(g, i))
		signature = NULL;	/* git's own "-- " line is in the body */
	if (!top && q.len > 0)
		buf_printf(o, "%s\n", q.data);
	buf_append(o, own.data, own.len);
	if (signature != NULL && (top || sig))
		buf_printf(o, top ? "\n%s\n" : "\n-- \n%s\n", signature);
	if (top && q.len > 0)
		buf_printf(o, "\n%s", q.data);
	buf_free(&own);
	buf_free(&q);
}

/* A simple HTML rendering of a text body: quotes become blockquotes. */
static void html_of(struct buf *o, const char *s)
{
	int level = 0;

	buf_puts(o, "<html>\n<head>\n<meta http-equiv=\"Content-Type\" content=\"text/html\">\n</head>\n<body>\n<div dir=\"auto\">\n");
	while (*s != '\0') {
		int want = quote_level(s);

		for (; level < want; level++)
			buf_puts(o, "<blockquote type=\"cite\" style=\"margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex\">\n");
		for (; level > want; level--)
			buf_puts(o, "</blockquote>\n");
		while (want > 0 && (*s == '>' || *s == ' '))
			s++;
		for (; *s != '\0' && *s != '\n'; s++) {
			if (strncmp(s, "https://", 8) == 0) {
				size_t n = strcspn(s, " \n<>\"");

				buf_printf(o, "<a href=\"%.*s\">%.*s</a>", (int)n, s, (int)n, s);
				s += n - 1;
			} else if (*s == '<') {
				buf_puts(o, "&lt;");
			} else if (*s == '>') {
				buf_puts(o, "&gt;");
			} else if (*s == '&') {
				buf_puts(o, "&amp;");
			} else {
				buf_putc(o, *s);
			}
		}
		buf_puts(o, "<br>\n");
		if (*s == '\n')
			s++;
	}
	for (; level > 0; level--)
		buf_puts(o, "</blockquote>\n");
	buf_puts(o, "</div>\n</body>\n</html>\n");
}

/* Writes the Content-Type/-Transfer-Encoding lines and the body of one
 * text part, in charset cs if it can hold the text, else UTF-8. */
static void put_text(struct demo_gen *g, struct buf *o, const char *subtype, const char *s,
		     unsigned cs, bool flowed)
{
	struct buf raw = BUF_INIT;
	enum cte cte;

	if (!conv(g, cs, s, strlen(s), &raw)) {
		cs = utf8_for(cs);
		conv(g, cs, s, strlen(s), &raw);
	}
	cte = charsets[cs].cte;
	if (is_ascii(raw.data, raw.len) && cte != CTE_B64)
		cte = CTE_7BIT;
	buf_printf(o, "Content-Type: text/%s; charset=%s%s\nContent-Transfer-Encoding: %s\n\n",
		   subtype, charsets[cs].label, flowed ? "; format=flowed" : "", cte_names[cte]);
	if (cte == CTE_QP)
		put_qp(o, raw.data, raw.len);
	else if (cte == CTE_B64)
		put_base64(o, (const unsigned char *)raw.data, raw.len, true);
	else
		buf_append(o, raw.data, raw.len);
	buf_free(&raw);
}

/* ---- attachments: tiny but valid PNG and PDF files ---- */

static void put_be32(struct buf *o, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
			       (unsigned char)(v >> 8), (unsigned char)v };

	buf_append(o, b, 4);
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
	uint32_t crc = 0xffffffffu;

	while (n-- > 0) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static void png_chunk(struct buf *o, const char *type, const void *data, size_t n)
{
	size_t start;

	put_be32(o, (uint32_t)n);
	start = o->len;
	buf_append(o, type, 4);
	buf_append(o, data, n);
	put_be32(o, crc32((const unsigned char *)o->data + start, n + 4));
}

/* A little sunset over water, in colours that depend on r. */
static void make_png(struct buf *o, struct rng *r)
{
	unsigned w = 48 + rng_below(r, 32), h = 32 + rng_below(r, 16);
	unsigned sx = 8 + rng_below(r, w - 16), sy = h / 2 - 4, hue = rng_below(r, 60);
	struct buf raw = BUF_INIT, z = BUF_INIT;
	unsigned char ihdr[13] = { 0 };
	uint32_t a = 1, b = 0;

	for (unsigned y = 0; y < h; y++) {
		buf_putc(&raw, 0);
		for (unsigned x = 0; x < w; x++) {
			unsigned dx = x > sx ? x - sx : sx - x, dy = y > sy ? y - sy : sy - y;
			unsigned char px[3];

			if (dx * dx + dy * dy < 30 && y < h * 3 / 5) {
				px[0] = 255, px[1] = (unsigned char)(200 + hue / 2), px[2] = 80;
			} else if (y < h * 3 / 5) {
				px[0] = (unsigned char)(120 + y * 120 / h + hue);
				px[1] = (unsigned char)(60 + y * 100 / h);
				px[2] = (unsigned char)(140 - y * 80 / h);
			} else {
				unsigned wave = ((x + y * 3) % 7 == 0) ? 40 : 0;

				px[0] = (unsigned char)(30 + wave), px[1] = (unsigned char)(60 + wave);
				px[2] = (unsigned char)(110 + wave + hue);
			}
			buf_append(&raw, px, 3);
		}
	}
	/* zlib stream of stored (uncompressed) deflate blocks */
	buf_append(&z, "\x78\x01", 2);
	for (size_t off = 0; off < raw.len; off += 65535) {
		size_t n = raw.len - off < 65535 ? raw.len - off : 65535;
		unsigned char hd[5] = { off + n == raw.len, (unsigned char)n, (unsigned char)(n >> 8),
					(unsigned char)~n, (unsigned char)(~n >> 8) };

		buf_append(&z, hd, 5);
		buf_append(&z, raw.data + off, n);
	}
	for (size_t k = 0; k < raw.len; k++) {
		a = (a + (unsigned char)raw.data[k]) % 65521;
		b = (b + a) % 65521;
	}
	put_be32(&z, b << 16 | a);
	ihdr[0] = 0, ihdr[3] = (unsigned char)w, ihdr[7] = (unsigned char)h;
	ihdr[8] = 8, ihdr[9] = 2;
	buf_append(o, "\x89PNG\r\n\x1a\n", 8);
	png_chunk(o, "IHDR", ihdr, sizeof ihdr);
	png_chunk(o, "IDAT", z.data, z.len);
	png_chunk(o, "IEND", "", 0);
	buf_free(&raw);
	buf_free(&z);
}

/* Appends s as a PDF string body, in ASCII: umlauts spelled out. */
static void pdf_string(struct buf *o, const char *s, size_t n)
{
	static const char *const tr[][2] = {
		{ "ä", "ae" }, { "ö", "oe" }, { "ü", "ue" }, { "ß", "ss" }, { "€", "EUR" },
		{ "–", "-" }, { "“", "\"" }, { "”", "\"" }, { "ë", "e" },
	};
	const char *end = s + n;

	while (s < end) {
		size_t k, len = utf8_len(s);

		if ((unsigned char)*s < 0x80) {
			if (*s == '(' || *s == ')' || *s == '\\')
				buf_putc(o, '\\');
			buf_putc(o, *s);
			s++;
			continue;
		}
		for (k = 0; k < ARRAY_LEN(tr); k++)
			if (strncmp(s, tr[k][0], strlen(tr[k][0])) == 0)
				break;
		buf_puts(o, k < ARRAY_LEN(tr) ? tr[k][1] : "?");
		s += len;
	}
}

/* A one-page PDF showing the title and the lines of text. */
static void make_pdf(struct buf *o, const char *title, const char *text)
{
	struct buf c = BUF_INIT;
	size_t off[6], xref;
	int lines = 0;

	buf_puts(&c, "BT\n/F1 15 Tf\n60 780 Td\n(");
	pdf_string(&c, title, strlen(title));
	buf_puts(&c, ") Tj\n/F1 10 Tf\n0 -30 Td\n");
	for (const char *s = text; *s != '\0' && lines < 45; lines++) {
		size_t n = strcspn(s, "\n");

		buf_putc(&c, '(');
		pdf_string(&c, s, n);
		buf_puts(&c, ") Tj\n0 -14 Td\n");
		s += n + (s[n] == '\n');
	}
	buf_puts(&c, "ET\n");
	buf_puts(o, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
	off[1] = o->len;
	buf_puts(o, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
	off[2] = o->len;
	buf_puts(o, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
	off[3] = o->len;
	buf_puts(o, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
		    "/Resources << /Font << /F1 5 0 R >> >> >>\nendobj\n");
	off[4] = o->len;
	buf_printf(o, "4 0 obj\n<< /Length %zu >>\nstream\n%s\nendstream\nendobj\n", c.len, c.data);
	off[5] = o->len;
	buf_puts(o, "5 0 obj\n<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>\nendobj\n");
	xref = o->len;
	buf_puts(o, "xref\n0 6\n0000000000 65535 f \n");
	for (int k = 1; k <= 5; k++)
		buf_printf(o, "%010zu 00000 n \n", off[k]);
	buf_printf(o, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
	buf_free(&c);
}

/* filename*=charset''value, split into RFC 2231 continuations when long. */
static void put_rfc2231(struct demo_gen *g, struct buf *o, const char *name, unsigned cs)
{
	struct buf raw = BUF_INIT, enc = BUF_INIT;
	size_t pos = 0;
	int part = 0;

	if (charsets[cs].words != 'Q' || !conv(g, cs, name, strlen(name), &raw)) {
		cs = CS_UTF8_QP;
		buf_reset(&raw);
		buf_puts(&raw, name);
	}
	for (size_t i = 0; i < raw.len; i++) {
		unsigned char ch = (unsigned char)raw.data[i];

		if (ascii_isalnum(ch) || strchr("!#$&+-.^_`|~", ch) != NULL)
			buf_putc(&enc, (char)ch);
		else
			buf_printf(&enc, "%%%02X", ch);
	}
	if (enc.len <= 50) {
		buf_printf(o, ";\n\tfilename*=%s''%s", charsets[cs].label, enc.data);
	} else {
		while (pos < enc.len) {
			size_t n = enc.len - pos < 48 ? enc.len - pos : 48;

			while (n > 2 && (enc.data[pos + n - 1] == '%' || enc.data[pos + n - 2] == '%'))
				n--;
			buf_printf(o, ";\n\tfilename*%d*=%s%s%.*s", part, part == 0 ? charsets[cs].label : "",
				   part == 0 ? "''" : "", (int)n, enc.data + pos);
			pos += n;
			part++;
		}
	}
	buf_free(&raw);
	buf_free(&enc);
}

static void put_attachment(struct demo_gen *g, struct buf *o, const char *name, unsigned cs,
			   const char *text, struct rng *r)
{
	bool png = strstr(name, ".png") != NULL;
	struct buf data = BUF_INIT, title = BUF_INIT, words = BUF_INIT;
	struct hdr h = { &words, 7, true };

	buf_printf(o, "Content-Type: %s;\n\tname=", png ? "image/png" : "application/pdf");
	if (is_ascii(name, strlen(name))) {
		buf_printf(o, "\"%s\"", name);
	} else {
		/* RFC 2047 in a parameter: wrong, but what most programs send */
		hdr_encoded(&h, g, cs, name, strlen(name));
		buf_printf(o, "\"%s\"", words.data + 1);
	}
	buf_puts(o, "\nContent-Disposition: attachment");
	if (is_ascii(name, strlen(name)))
		buf_printf(o, "; filename=\"%s\"", name);
	else
		put_rfc2231(g, o, name, cs);
	buf_puts(o, "\nContent-Transfer-Encoding: base64\n\n");
	if (png) {
		make_png(&data, r);
	} else {
		buf_append(&title, name, strcspn(name, "."));
		make_pdf(&data, title.data, text);
	}
	put_base64(o, (const unsigned char *)data.data, data.len, true);
	buf_free(&data);
	buf_free(&title);
	buf_free(&words);
}

/* ---- one whole message ---- */

static void put_received(struct buf *o, struct rng *r, const char *from, const char *by,
			 const char *rcpt, int64_t t)
{
	buf_printf(o, "Received: from %s (%s [%s.%u])\n\tby %s (Postfix) with ESMTPS id 4%c%08X\n\tfor <%s>; ",
		   from, from, rng_chance(r, 2) ? "198.51.100" : "203.0.113", 1 + rng_below(r, 254),
		   by, 'A' + (char)rng_below(r, 26), rng_next(r), rcpt);
	put_date(o, t, 0);
	buf_puts(o, " (UTC)\n");
}

static void put_dkim(struct buf *o, struct rng *r, const char *dom, int64_t t)
{
	unsigned char sig[288];

	for (size_t k = 0; k < sizeof sig; k++)
		sig[k] = (unsigned char)rng_next(r);
	buf_printf(o, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=%s;\n\ts=mail; t=%lld;\n"
		      "\th=from:to:subject:date:message-id:references:in-reply-to;\n\tbh=", dom, (long long)t);
	put_base64(o, sig + 256, 32, false);
	buf_puts(o, ";\n\tb=");
	for (size_t k = 0; k < 256; k += 48) {
		if (k > 0)
			buf_puts(o, "\n\t ");
		put_base64(o, sig + k, 256 - k < 48 ? 256 - k : 48, false);
	}
	buf_putc(o, '\n');
}

/* The References of message i: its ancestors' Message-IDs, oldest first,
 * the first one and the last nine when there are more than ten. */
static void put_references(const struct demo_gen *g, uint32_t i, struct buf *o)
{
	int64_t chain[64];	/* oldest first; -1 is the missing root */
	size_t n = 0, depth = 0;
	struct buf id = BUF_INIT;
	struct hdr h;

	for (int64_t k = P(g, i)->parent; k >= 0; k = P(g, k)->parent)
		depth++;
	n = depth < ARRAY_LEN(chain) - 1 ? depth : ARRAY_LEN(chain) - 1;
	for (int64_t k = P(g, i)->parent, j = (int64_t)n - 1; j >= 0; k = P(g, k)->parent)
		chain[j--] = k;
	if (P(g, P(g, i)->root)->quirks & Q_PHANTOM) {
		memmove(chain + 1, chain, n * sizeof *chain);
		chain[0] = -1;
		n++;
	}
	hdr_start(&h, o, "References");
	for (size_t k = 0; k < n; k++) {
		if (n > 10 && k > 0 && k < n - 9)
			continue;
		buf_reset(&id);
		message_id(g, chain[k] < 0 ? P(g, i)->root : (uint32_t)chain[k], chain[k] < 0, &id);
		hdr_token(&h, id.data, id.len, true);
	}
	hdr_end(&h);
	buf_free(&id);
}

static void render(struct demo_gen *g, uint32_t i)
{
	const struct plan *p = P(g, i);
	const struct topic *t = topic_of(g, i);
	const struct circle *c = circle_of(g, i);
	const struct person *s = &people[p->sender];
	const struct mua *mua = mua_of(g, i);
	unsigned cs = cs_of(g, i);
	struct buf *o = &g->out, text = BUF_INIT, tmp = BUF_INIT;
	struct rng r = rng_make(g->seed ^ 0xa5a5a5a5u, p->salt);
	int64_t date = date_of(g, i);
	bool draft = p->flags & DEMO_DRAFT, sent = p->sender == P_ME && c->list == NULL;
	bool files = t->files != NULL && !has_parent(g, i);
	bool html = (mua->style & M_HTML) && !(t->extra & X_NEWS);
	const char *dom = strchr(s->addr, '@') + 1;
	char bound[40], alt[40], n[24], m[32];
	struct vars v = { NULL, NULL, n, m };
	struct hdr h;

	buf_reset(o);
	thread_vars(g, i, n, sizeof n, m, sizeof m);

	/* the way in */
	if (!draft && !sent) {
		char host[96];

		if (c->list != NULL)
			buf_printf(o, "Return-Path: <%.*s-bounces+robin=example.org@%s>\n",
				   (int)strcspn(c->list, "@"), c->list, strchr(c->list, '@') + 1);
		else
			buf_printf(o, "Return-Path: <%s>\n", s->addr);
		buf_puts(o, "Delivered-To: robin@example.org\n");
		snprintf(host, sizeof host, "mail.%s", dom);
		if (c->list != NULL) {
			put_received(o, &r, strchr(c->list, '@') + 1, "mx.example.org",
				     "robin@example.org", date + 20 + rng_below(&r, 200));
			put_received(o, &r, host, strchr(c->list, '@') + 1, c->list, date + 2 + rng_below(&r, 15));
		} else {
			put_received(o, &r, host, "mx.example.org", "robin@example.org",
				     date + 2 + rng_below(&r, 40));
		}
		if (rng_chance(&r, 2) || mua == &muas[U_BULK])
			put_dkim(o, &r, dom, date);
	}

	/* who and what */
	buf_puts(o, "Date: ");
	put_date(o, date, s->tz);
	buf_putc(o, '\n');
	hdr_start(&h, o, "From");
	hdr_mailbox(&h, g, cs, p->sender, false);
	hdr_end(&h);
	hdr_start(&h, o, "To");
	if (c->list != NULL) {
		hdr_token(&h, c->list, strlen(c->list), true);
	} else if (c->members[0] == P_NONE) {
		hdr_mailbox(&h, g, cs, P_ME, false);
	} else if (p->parent >= 0) {
		hdr_mailbox(&h, g, cs, P(g, p->parent)->sender, false);
	} else {
		bool more = false;

		for (const uint8_t *w = c->members; *w != P_NONE; w++) {
			if (*w == p->sender)
				continue;
			if (more)
				hdr_token(&h, ",", 1, false);
			hdr_mailbox(&h, g, cs, *w, false);
			more = true;
		}
	}
	hdr_end(&h);
	if (p->parent >= 0 && (c->list == NULL ? !rng_chance(&r, 4) : rng_chance(&r, 2))) {
		unsigned ps = P(g, p->parent)->sender;
		bool more = false;

		hdr_start(&h, o, "Cc");
		if (c->list != NULL) {
			if (ps != p->sender)
				hdr_mailbox(&h, g, cs, ps, false), more = true;
		} else {
			for (const uint8_t *w = c->members; *w != P_NONE; w++) {
				if (*w == p->sender || *w == ps)
					continue;
				if (more)
					hdr_token(&h, ",", 1, false);
				hdr_mailbox(&h, g, cs, *w, false);
				more = true;
			}
		}
		if (more)
			hdr_end(&h);
		else
			buf_truncate(o, o->len - 3);
	}
	subject_of(g, i, &tmp);
	hdr_start(&h, o, "Subject");
	hdr_text(&h, g, cs, tmp.data);
	hdr_end(&h);
	buf_reset(&tmp);
	message_id(g, i, false, &tmp);
	buf_printf(o, "Message-ID: %s\n", tmp.data);
	if (p->parent >= 0) {
		buf_reset(&tmp);
		message_id(g, (uint32_t)p->parent, false, &tmp);
		buf_printf(o, "In-Reply-To: %s\n", tmp.data);
	}
	if (has_parent(g, i) && !(p->quirks & Q_IRT_ONLY))
		put_references(g, i, o);
	if (mua->name != NULL)
		buf_printf(o, "%s: %s\n", mua->style & M_XMAILER ? "X-Mailer" : "User-Agent", mua->name);
	if (c->list != NULL && !draft) {
		int ln = (int)strcspn(c->list, "@");
		const char *ld = strchr(c->list, '@') + 1;

		buf_printf(o, "List-Id: %s <%.*s.%s>\n", c->list_name, ln, c->list, ld);
		buf_printf(o, "List-Unsubscribe: <mailto:%.*s-leave@%s>\n", ln, c->list, ld);
		buf_printf(o, "List-Archive: <https://%s/archives/%.*s/>\n", ld, ln, c->list);
		buf_printf(o, "List-Post: <mailto:%s>\n", c->list);
		buf_printf(o, "List-Help: <mailto:%.*s-request@%s?subject=help>\n", ln, c->list, ld);
		buf_printf(o, "Sender: \"%.*s\" <%.*s-bounces@%s>\nPrecedence: list\n", ln, c->list, ln, c->list, ld);
		if (t->circle == C_JA)
			buf_printf(o, "Reply-To: %s\n", c->list);
	}
	if (t->extra & X_AUTO)
		buf_puts(o, "Auto-Submitted: auto-generated\n");
	if (t->extra & X_NEWS)
		buf_puts(o, "Precedence: bulk\nList-Unsubscribe: <https://buecherei-nordhafen.example/newsletter/abmelden?u=robin%40example.org>\n"
			    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n");
	buf_puts(o, "MIME-Version: 1.0\n");

	/* the body */
	if (t->extra & X_NEWS) {
		expand(&text, t->body, &v);
		put_text(g, o, "html", text.data, CS_UTF8_QP, false);
		buf_free(&text);
		buf_free(&tmp);
		return;
	}
	body_text(g, i, QUOTE_LEVELS, true, &text);
	/* neither boundary may be a prefix of the other */
	snprintf(bound, sizeof bound, "=_mix_%08X.%08X", p->salt, rng_next(&r));
	snprintf(alt, sizeof alt, "=_alt_%08X.%08X", p->salt, rng_next(&r));
	if (files) {
		buf_printf(o, "Content-Type: multipart/mixed;\n\tboundary=\"%s\"\n\n"
			      "This is a multi-part message in MIME format.\n\n--%s\n", bound, bound);
	}
	if (html) {
		buf_reset(&tmp);
		html_of(&tmp, text.data);
		buf_printf(o, "Content-Type: multipart/alternative;\n\tboundary=\"%s\"\n\n--%s\n", alt, alt);
		put_text(g, o, "plain", text.data, cs, false);
		buf_printf(o, "\n--%s\n", alt);
		put_text(g, o, "html", tmp.data, cs, false);
		buf_printf(o, "\n--%s--\n", alt);
	} else {
		put_text(g, o, "plain", text.data, cs, mua->style & M_FLOWED);
	}
	if (files) {
		for (const char *f = t->files; *f != '\0'; ) {
			size_t len = strcspn(f, "|");

			buf_reset(&tmp);
			buf_append(&tmp, f, len);
			buf_reset(&text);
			expand(&text, tmp.data, &v);
			buf_printf(o, "\n--%s\n", bound);
			buf_reset(&tmp);
			own_text(g, i, &tmp);
			put_attachment(g, o, text.data, cs, tmp.data, &r);
			f += len + (f[len] == '|');
		}
		buf_printf(o, "\n--%s--\n", bound);
	}
	buf_free(&text);
	buf_free(&tmp);
}

/* ---- planning ---- */

struct order_key {
	int64_t key;
	uint32_t idx;
};

static int order_cmp(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static unsigned pick_member(const struct circle *c, struct rng *r, unsigned avoid)
{
	unsigned n = 0, who = P_NONE;

	while (c->members[n] != P_NONE)
		n++;
	for (int tries = 0; tries < 8; tries++) {
		who = c->members[rng_below(r, n)];
		if (who != avoid)
			break;
	}
	return who;
}

static void plan_corpus(struct demo_gen *g)
{
	struct rng r = rng_make(g->seed, 0xffffffffu);
	uint16_t perm[NTOPICS];
	unsigned total = 0;
	size_t i = 0, thread = 0;
	struct order_key *keys;
	bool *has_child;

	for (size_t k = 0; k < NTOPICS; k++) {
		size_t j = rng_below(&r, (uint32_t)k + 1);

		perm[k] = perm[j];
		perm[j] = (uint16_t)k;
		total += topics[k].weight;
	}
	g->plan = xcalloc(g->count, sizeof *g->plan);
	while (i < g->count) {
		unsigned ti = 0, w, size;
		const struct topic *t;
		const struct circle *c;
		int64_t age;
		size_t first = i;
		bool phantom;

		if (thread < NTOPICS) {
			ti = perm[thread];
		} else {
			w = rng_below(&r, total);
			while (w >= topics[ti].weight)
				w -= topics[ti++].weight;
		}
		t = &topics[ti];
		c = &circles[t->circle];
		size = t->max <= 1 ? 1 : 2 + rng_below(&r, t->max - 1);
		if (size > g->count - i)
			size = (unsigned)(g->count - i);
		age = (int64_t)size * 2 * DAY + rng_below(&r, TWO_YEARS - t->max * 2 * DAY);
		phantom = c->list != NULL && t->max > 1 && !(t->extra & X_PATCH) && rng_chance(&r, 6);
		for (unsigned k = 0; k < size; k++, i++) {
			struct plan *p = &g->plan[i];

			p->topic = (uint16_t)ti;
			p->root = (uint32_t)first;
			p->salt = rng_next(&r);
			if (k == 0) {
				p->parent = -1;
				p->age = age;
				p->sender = t->author;
				if (phantom) {
					p->quirks |= Q_PHANTOM;
					p->sender = (uint8_t)pick_member(c, &r, t->author);
				}
				continue;
			}
			p->parent = (int32_t)(rng_chance(&r, 2) ? i - 1 : first + rng_below(&r, k));
			p->sender = (uint8_t)pick_member(c, &r, g->plan[p->parent].sender);
			age = 300 + rng_below(&r, rng_chance(&r, 3) ? 2 * DAY : 4 * 3600);
			p->age = g->plan[p->parent].age > age ? g->plan[p->parent].age - age
							       : g->plan[p->parent].age / 2;
			if (rng_chance(&r, 9))
				p->quirks |= Q_IRT_ONLY;
			if (rng_chance(&r, 12))
				p->quirks |= Q_EARLY;
		}
		thread++;
	}

	/* drafts: my two most recent messages nobody answered; then flags */
	has_child = xcalloc(g->count, sizeof *has_child);
	for (i = 0; i < g->count; i++)
		if (g->plan[i].parent >= 0)
			has_child[g->plan[i].parent] = true;
	for (unsigned d = 0; d < 2; d++) {
		size_t best = g->count;

		for (i = 0; i < g->count; i++)
			if (g->plan[i].sender == P_ME && !has_child[i] && g->plan[i].flags == 0 &&
			    (best == g->count || g->plan[i].age < g->plan[best].age))
				best = i;
		if (best < g->count)
			g->plan[best].flags = DEMO_DRAFT | DEMO_SEEN;
	}
	free(has_child);
	for (i = 0; i < g->count; i++) {
		struct plan *p = &g->plan[i];
		bool seen = p->age > 30 * DAY ? !rng_chance(&r, 25) : rng_chance(&r, 3);

		if (p->flags & DEMO_DRAFT)
			continue;
		if (seen || p->sender == P_ME)
			p->flags |= DEMO_SEEN;
		if (p->sender == P_ME && p->parent >= 0)
			g->plan[p->parent].flags |= DEMO_ANSWERED;
		if (rng_chance(&r, 25) || ((topics[p->topic].extra & X_FLAG) && p->parent < 0))
			p->flags |= DEMO_FLAGGED;
		if ((topics[p->topic].extra & X_NEWS) && rng_chance(&r, 3))
			p->flags |= DEMO_TRASHED | DEMO_SEEN;
	}

	/* arrival order: by date, but an early reply comes just before its parent */
	keys = xcalloc(g->count, sizeof *keys);
	for (i = 0; i < g->count; i++) {
		const struct plan *p = &g->plan[i];

		keys[i].idx = (uint32_t)i;
		keys[i].key = (p->quirks & Q_EARLY) ? keys[p->parent].key - 1 : -p->age;
	}
	qsort(keys, g->count, sizeof *keys, order_cmp);
	g->order = xcalloc(g->count, sizeof *g->order);
	for (i = 0; i < g->count; i++)
		g->order[i] = keys[i].idx;
	free(keys);
}

/* ---- the interface ---- */

struct demo_gen *demo_gen_new(uint32_t seed, size_t count)
{
	struct demo_gen *g = xcalloc(1, sizeof *g);

	g->seed = seed;
	g->count = count > 0 ? count : DEMO_DEFAULT_COUNT;
	g->now = DEMO_DEFAULT_NOW;
	buf_init(&g->out, 0);
	for (size_t k = 0; k < CS_COUNT; k++)
		g->cd[k] = (iconv_t)-1;
	plan_corpus(g);
	return g;
}

void demo_gen_set_now(struct demo_gen *g, int64_t now)
{
	g->now = now;
}

bool demo_gen_next(struct demo_gen *g, struct demo_msg *out)
{
	uint32_t i;

	if (g->next >= g->count)
		return false;
	i = g->order[g->next++];
	render(g, i);
	out->data = buf_cstr(&g->out);
	out->len = g->out.len;
	out->flags = g->plan[i].flags;
	out->date = date_of(g, i);
	return true;
}

void demo_gen_free(struct demo_gen **gp)
{
	struct demo_gen *g = gp != NULL ? *gp : NULL;

	if (g == NULL)
		return;
	for (size_t k = 0; k < CS_COUNT; k++)
		if (g->cd[k] != (iconv_t)-1)
			iconv_close(g->cd[k]);
	buf_free(&g->out);
	free(g->plan);
	free(g->order);
	free(g);
	*gp = NULL;
}
