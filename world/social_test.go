package world

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"shardmud/world/markup"
)

// These tests build a small world by hand (the package's own tests cannot
// load area files: world/area imports world) and reach the hooks that walk,
// chat and leaving the world call: followLeader, broadcast, leaveGroups.
// The scenarios in testdata/social.txt and group.txt play the same through
// the real world.

type socialLink struct{ lines []string }

func (l *socialLink) Send(text string) {
	l.lines = append(l.lines, strings.Split(markup.Strip(text), "\n")...)
}
func (l *socialLink) Close(string) {}

// take returns and forgets what was sent.
func (l *socialLink) take() []string {
	out := l.lines
	l.lines = nil
	return out
}

type socialHost struct{}

func (socialHost) Depart(PlayerRecord, Link, string) {}
func (socialHost) Record(Event)                      {}

var testSocials = []Social{
	{Name: "smile", Self: "You smile.", Room: "$n smiles.", ToActor: "You smile at $N.", ToTarget: "$n smiles at you.", ToOthers: "$n smiles at $N."},
	{Name: "poke", Self: "You poke the air.", Room: "$n pokes the air.", ToActor: "You poke $N.", ToTarget: "$n pokes you.", ToOthers: "$N is poked by $n."},
	// Names of commands and aliases: left out.
	{Name: "look", Self: "You look.", Room: "$n looks.", ToActor: "You look at $N.", ToTarget: "$n looks at you.", ToOthers: "$n looks at $N."},
	{Name: "n", Self: "You n.", Room: "$n ns.", ToActor: "You n $N.", ToTarget: "$n ns you.", ToOthers: "$n ns $N."},
	{Name: "follow", Self: "You f.", Room: "$n fs.", ToActor: "You f $N.", ToTarget: "$n fs you.", ToOthers: "$n fs $N."},
}

// socialWorld is three rooms in a row, hall - yard - lane (north each
// time), and a cat in the hall.
type socialWorld struct {
	w                *World
	hall, yard, lane *Room
	links            map[string]*socialLink
}

func newSocialWorld(t *testing.T) *socialWorld {
	t.Helper()
	a := &Area{ID: "t", Name: "Test"}
	hall := &Room{ID: "t.hall", Area: a, Name: "Hall", Spawns: []Spawn{{Kind: SpawnMob, Proto: "t.cat"}}}
	yard := &Room{ID: "t.yard", Area: a, Name: "Yard"}
	lane := &Room{ID: "t.lane", Area: a, Name: "Lane"}
	hall.Exits[North] = &Exit{To: yard}
	yard.Exits[South] = &Exit{To: hall}
	yard.Exits[North] = &Exit{To: lane}
	lane.Exits[South] = &Exit{To: yard}
	a.Rooms = []*Room{hall, yard, lane}
	bp := &Blueprint{Name: "Test", Start: hall.ID, Areas: []*Area{a},
		Rooms:   map[string]*Room{hall.ID: hall, yard.ID: yard, lane.ID: lane},
		Items:   map[string]*ItemProto{},
		Mobs:    map[string]*MobProto{"t.cat": {ID: "t.cat", Short: "a grey cat", Long: "A grey cat naps here.", Keywords: []string{"cat"}}},
		Socials: slices.Clone(testSocials),
	}
	w, err := New(Config{Rand: rand.New(rand.NewPCG(1, 2)), Host: socialHost{}}, bp)
	if err != nil {
		t.Fatal(err)
	}
	if c := w.commands.byAlias["smile"]; c == nil { // until New adds them itself
		w.addSocials()
	}
	return &socialWorld{w: w, hall: hall, yard: yard, lane: lane, links: make(map[string]*socialLink)}
}

// enter brings a player into the hall, with nothing unread.
func (s *socialWorld) enter(name string, role Role) *Player {
	l := &socialLink{}
	p := s.w.Enter(PlayerRecord{Name: name, Role: role}, l)
	s.links[name] = l
	for _, l := range s.links {
		l.take()
	}
	return p
}

func TestSocialsJoinTheTableLast(t *testing.T) {
	s := newSocialWorld(t)
	var names []string
	for _, so := range s.w.socials {
		names = append(names, so.Name)
	}
	if !slices.Equal(names, []string{"smile", "poke"}) {
		t.Fatalf("socials kept = %v, want smile and poke: the others are command names", names)
	}
	cmds := s.w.Commands()
	smile := slices.IndexFunc(cmds, func(c *Command) bool { return c.Name == "smile" })
	for _, c := range cmds[:smile] {
		if c.Name == "poke" {
			t.Fatal("socials are not last")
		}
	}
	for _, c := range cmds[smile:] {
		if c.Name != "smile" && c.Name != "poke" {
			t.Errorf("command %q comes after the socials", c.Name)
		}
	}
	for verb, want := range map[string]string{
		"look": "look", "l": "look", "n": "north", "no": "north", "s": "south", "sm": "smile",
		"pok": "poke", "follow": "follow", "smile": "smile",
	} {
		if c := s.w.commands.find(verb, RoleAdmin); c == nil || c.Name != want {
			t.Errorf("%q runs %v, want %s", verb, c, want)
		}
	}
	if c := s.w.commands.find("smile", RolePlayer); c.Usage != "smile [<name>]" ||
		c.Help != "A social (type 'socials' for all of them). Alone: You smile. At someone: You smile at someone." {
		t.Errorf("smile's usage and help: %q, %q", c.Usage, c.Help)
	}
}

func TestSocialMessages(t *testing.T) {
	s := newSocialWorld(t)
	s.enter("Alice", RolePlayer)
	s.enter("Bob", RolePlayer)
	s.enter("Carol", RolePlayer)
	ada := s.enter("Ada", RoleAdmin)
	ada.Invis = true
	tests := []struct {
		who, line string
		want      map[string][]string // what each sees; nil: nothing
	}{
		{"Alice", "smile", map[string][]string{"Alice": {"You smile."}, "Bob": {"Alice smiles."}, "Carol": {"Alice smiles."}, "Ada": {"Alice smiles."}}},
		{"Alice", "smile bob", map[string][]string{"Alice": {"You smile at Bob."}, "Bob": {"Alice smiles at you."}, "Carol": {"Alice smiles at Bob."}, "Ada": {"Alice smiles at Bob."}}},
		{"Alice", "poke bob", map[string][]string{"Alice": {"You poke Bob."}, "Bob": {"Alice pokes you."}, "Carol": {"Bob is poked by Alice."}, "Ada": {"Bob is poked by Alice."}}},
		{"Alice", "poke cat", map[string][]string{"Alice": {"You poke a grey cat."}, "Bob": {"A grey cat is poked by Alice."}, "Carol": {"A grey cat is poked by Alice."}, "Ada": {"A grey cat is poked by Alice."}}},
		{"Alice", "smile alice", map[string][]string{"Alice": {"You smile."}, "Bob": {"Alice smiles."}, "Carol": {"Alice smiles."}, "Ada": {"Alice smiles."}}},
		{"Alice", "smile dave", map[string][]string{"Alice": {"There is no dave here."}}},
		{"Alice", "smile {rdave", map[string][]string{"Alice": {"There is no {rdave here."}}},
		// An invisible admin: unseen by the room, "someone" to the target.
		{"Ada", "smile", map[string][]string{"Ada": {"You smile."}}},
		{"Ada", "smile bob", map[string][]string{"Ada": {"You smile at Bob."}, "Bob": {"Someone smiles at you."}}},
		{"Bob", "smile ada", map[string][]string{"Bob": {"You smile at someone."}, "Ada": {"Bob smiles at you."}, "Alice": {"Bob smiles at someone."}, "Carol": {"Bob smiles at someone."}}},
	}
	for _, tt := range tests {
		s.w.Do(s.w.Player(tt.who), tt.line)
		for name, l := range s.links {
			if got, want := l.take(), tt.want[name]; !slices.Equal(got, want) {
				t.Errorf("%s: %s: %s saw %q, want %q", tt.who, tt.line, name, got, want)
			}
		}
	}
}

func TestExpandSocial(t *testing.T) {
	tests := []struct{ msg, want string }{
		{"$n smiles at $N.", "Alice smiles at the cat."},
		{"No placeholders.", "No placeholders."},
		{"$$5 for $N", "$5 for the cat"},
		{"$N$n$$", "the catAlice$"},
		{"trailing $", "trailing $"},
		{"odd $x kept", "odd $x kept"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := expandSocial(tt.msg, "Alice", "the cat"); got != tt.want {
			t.Errorf("expandSocial(%q) = %q, want %q", tt.msg, got, tt.want)
		}
	}
}

// walk moves p in direction d, then calls followLeader for p and for everyone who
// walked after p, as walk's last line does. Once walk does it, these calls
// find no one left behind and change nothing.
func (s *socialWorld) walk(p *Player, d Dir) {
	from := p.Room
	s.w.Do(p, d.String())
	for walked := []*Player{p}; len(walked) > 0; walked = walked[1:] {
		stayed := slices.Clone(from.Players)
		s.w.followLeader(walked[0], from, d)
		for _, f := range stayed {
			if f.Room != from {
				walked = append(walked, f)
			}
		}
	}
}

func TestFollowing(t *testing.T) {
	s := newSocialWorld(t)
	w := s.w
	alice := s.enter("Alice", RolePlayer)
	bob := s.enter("Bob", RolePlayer)
	carol := s.enter("Carol", RolePlayer)
	dave := s.enter("Dave", RolePlayer)
	eve := s.enter("Eve", RolePlayer)

	w.Do(bob, "follow alice")
	w.Do(carol, "follow bob")
	w.Do(eve, "follow alice")
	w.Do(eve, "sit")
	s.links["Eve"].take()
	if got := s.links["Alice"].take(); !slices.Equal(got[:2], []string{"Bob now follows you.", "Eve now follows you."}) {
		t.Fatalf("alice was told %q", got)
	}
	if got := s.links["Bob"].take(); !slices.Contains(got, "You now follow Alice.") || !slices.Contains(got, "Carol now follows you.") {
		t.Fatalf("bob was told %q", got)
	}

	s.walk(alice, North)
	for _, p := range []*Player{alice, bob, carol} {
		if p.Room != s.yard {
			t.Errorf("%s is in %s, want the yard", p.Name, p.Room.Name)
		}
	}
	if dave.Room != s.hall || eve.Room != s.hall {
		t.Errorf("dave (not following) and eve (sitting) should stay: %s, %s", dave.Room.Name, eve.Room.Name)
	}
	if got := s.links["Bob"].take(); !slices.Contains(got, "You follow Alice north.") || !slices.Contains(got, "Yard") {
		t.Errorf("bob saw %q", got)
	}
	if got := s.links["Carol"].take(); !slices.Contains(got, "You follow Bob north.") {
		t.Errorf("carol saw %q", got)
	}

	// Loops are refused, directly and through a chain.
	w.Do(alice, "follow bob")
	w.Do(alice, "follow carol")
	if got := s.links["Alice"].take(); !slices.Contains(got, "You cannot follow Bob, who is already following you.") ||
		!slices.Contains(got, "You cannot follow Carol, who is already following you through others.") {
		t.Errorf("alice was told %q", got)
	}
	if alice.following != nil {
		t.Fatal("alice follows someone: a loop")
	}

	// A follower left behind does not walk; one who stops stays.
	w.Do(carol, "follow self")
	s.walk(bob, North)
	if bob.Room != s.lane || carol.Room != s.yard {
		t.Errorf("bob in %s, carol in %s", bob.Room.Name, carol.Room.Name)
	}
	s.walk(alice, North)
	if got := s.links["Bob"].take(); slices.Contains(got, "You follow Alice north.") {
		t.Error("bob followed from another room")
	}
	for _, tt := range []struct{ line, want string }{
		{"follow", "You are following Alice."},
		{"follow cat", "There is no cat here."},
		{"follow zed", "There is no zed here."},
		{"follow bob", "You follow your own nose. (To stop following, type 'follow self'.)"},
		{"follow alice", "You are already following Alice."},
		{"follow me", "You stop following Alice."},
		{"follow me", "You are not following anyone."},
	} {
		w.Do(bob, tt.line)
		if got := s.links["Bob"].take(); !slices.Contains(got, tt.want) {
			t.Errorf("%s: bob was told %q, want %q", tt.line, got, tt.want)
		}
	}
	w.Do(dave, "follow cat")
	if got := s.links["Dave"].take(); !slices.Contains(got, "You can only follow players.") {
		t.Errorf("dave was told %q", got)
	}
}

func TestGroups(t *testing.T) {
	s := newSocialWorld(t)
	w := s.w
	alice := s.enter("Alice", RolePlayer)
	bob := s.enter("Bob", RolePlayer)
	carol := s.enter("Carol", RolePlayer)
	dave := s.enter("Dave", RolePlayer)
	alice.Stats.HP, alice.Stats.Level = 7, 3

	w.Do(alice, "group bob")
	if got := s.links["Alice"].take(); !slices.Equal(got, []string{"Bob is not following you."}) {
		t.Fatalf("alice was told %q", got)
	}
	w.Do(bob, "follow alice")
	w.Do(carol, "follow alice")
	w.Do(dave, "follow carol")
	w.Do(alice, "group bob")
	w.Do(alice, "group carol")
	w.Do(carol, "group dave")
	if alice.group == nil || !slices.Equal(alice.group.Members, []*Player{alice, bob, carol}) {
		t.Fatalf("group = %+v", alice.group)
	}
	if got := s.links["Carol"].take(); !slices.Contains(got, "Only the leader, Alice, can add members to your group.") {
		t.Errorf("carol was told %q", got)
	}
	if got := s.links["Bob"].take(); !slices.Contains(got, "You join Alice's group.") || !slices.Contains(got, "Carol joins the group.") {
		t.Errorf("bob was told %q", got)
	}
	w.Do(bob, "group")
	want := []string{"Alice's group:",
		"  Alice          level 3   HP 7/20  (leader)",
		"  Bob            level 1   HP 20/20",
		"  Carol          level 1   HP 20/20"}
	if got := s.links["Bob"].take(); !slices.Equal(got, want) {
		t.Errorf("group list:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Experience goes to the members in the killer's room.
	w.Do(carol, "follow self") // and so leaves the group
	if carol.group != nil || slices.Contains(alice.group.Members, carol) {
		t.Fatal("carol stopped following but is still grouped")
	}
	w.Do(alice, "follow self")
	w.Do(carol, "follow alice")
	w.Do(alice, "group carol")
	s.walk(carol, North)
	if got := w.GroupShare(alice); !slices.Equal(got, []*Player{alice, bob}) {
		t.Errorf("GroupShare(alice) = %v", names(got))
	}
	if got := w.GroupShare(bob); !slices.Equal(got, []*Player{bob, alice}) {
		t.Errorf("GroupShare(bob) = %v", names(got))
	}
	if got := w.GroupShare(carol); !slices.Equal(got, []*Player{carol}) {
		t.Errorf("GroupShare(carol) = %v", names(got))
	}
	if got := w.GroupShare(dave); !slices.Equal(got, []*Player{dave}) {
		t.Errorf("GroupShare(dave) = %v", names(got))
	}

	// ungroup: the leader removes a member; a member leaves; the last
	// member leaving ends the group.
	w.Do(bob, "ungroup carol")
	w.Do(alice, "ungroup carol")
	if carol.group != nil || len(alice.group.Members) != 2 {
		t.Fatalf("carol not removed: %v", names(alice.group.Members))
	}
	if got := s.links["Carol"].take(); !slices.Contains(got, "Alice removes you from the group.") {
		t.Errorf("carol was told %q", got)
	}
	if got := s.links["Bob"].take(); !slices.Contains(got, "Only the group's leader can remove members; 'ungroup' alone leaves the group.") ||
		!slices.Contains(got, "Carol leaves the group.") {
		t.Errorf("bob was told %q", got)
	}
	w.Do(bob, "ungroup")
	if alice.group != nil || bob.group != nil {
		t.Fatal("a group of one lives on")
	}
	if bob.following != alice {
		t.Fatal("leaving the group stopped following")
	}
	w.Do(alice, "group")
	if got := s.links["Alice"].take(); !slices.Contains(got, "You are not in a group. (Have someone follow you, then 'group <name>'.)") {
		t.Errorf("alice was told %q", got)
	}
}

func TestLeaveGroups(t *testing.T) {
	s := newSocialWorld(t)
	w := s.w
	alice := s.enter("Alice", RolePlayer)
	bob := s.enter("Bob", RolePlayer)
	carol := s.enter("Carol", RolePlayer)
	s.enter("Dave", RolePlayer)
	w.Do(bob, "follow alice")
	w.Do(carol, "follow alice")
	w.Do(alice, "follow dave")
	w.Do(alice, "group bob")
	w.Do(alice, "group carol")
	for _, l := range s.links {
		l.take()
	}

	// A member leaves the world: the group goes on without them.
	w.leaveGroups(carol)
	if carol.group != nil || carol.following != nil || len(alice.group.Members) != 2 {
		t.Fatalf("carol left: group %v, following %v", names(alice.group.Members), carol.following)
	}
	if got := s.links["Alice"].take(); !slices.Equal(got, []string{"Carol leaves the group.", "Carol stops following you."}) {
		t.Errorf("alice was told %q", got)
	}
	if got := s.links["Carol"].take(); len(got) != 0 {
		t.Errorf("carol, on her way out, was told %q", got)
	}
	s.links["Bob"].take()

	// The leader leaves: the group ends and no one follows them.
	w.leaveGroups(alice)
	if alice.group != nil || bob.group != nil || bob.following != nil || alice.following != nil {
		t.Fatal("ties to alice remain")
	}
	if got := s.links["Bob"].take(); !slices.Equal(got, []string{"Alice has ended the group.", "You stop following Alice."}) {
		t.Errorf("bob was told %q", got)
	}
	if got := s.links["Dave"].take(); !slices.Equal(got, []string{"Alice stops following you."}) {
		t.Errorf("dave was told %q", got)
	}
}

func names(ps []*Player) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestChannels(t *testing.T) {
	s := newSocialWorld(t)
	w := s.w
	alice := s.enter("Alice", RolePlayer)
	bob := s.enter("Bob", RolePlayer)
	s.enter("Carol", RolePlayer)
	s.walk(bob, North) // channels reach everywhere
	for _, l := range s.links {
		l.take()
	}

	w.Do(alice, "newbie how do I {rlook?")
	if got := s.links["Alice"].take(); !slices.Equal(got, []string{"[newbie] You: how do I {rlook?"}) {
		t.Errorf("alice saw %q", got)
	}
	for _, name := range []string{"Bob", "Carol"} {
		if got := s.links[name].take(); !slices.Equal(got, []string{"[newbie] Alice: how do I {rlook?"}) {
			t.Errorf("%s saw %q", name, got)
		}
	}

	w.Do(bob, "channels newbie off")
	w.broadcast("chat", alice, "hello")
	w.Do(alice, "newbie anyone?")
	if got := s.links["Bob"].take(); !slices.Equal(got, []string{"You turn the newbie channel off.", `Alice chats, "hello"`}) {
		t.Errorf("bob, newbie off, saw %q", got)
	}
	if got := s.links["Carol"].take(); !slices.Equal(got, []string{`Alice chats, "hello"`, "[newbie] Alice: anyone?"}) {
		t.Errorf("carol saw %q", got)
	}
	// Muted is muted both ways.
	w.Do(bob, "newbie hello?")
	if got := s.links["Bob"].take(); !slices.Equal(got, []string{"You have turned the newbie channel off. (Type 'channels newbie on'.)"}) {
		t.Errorf("bob saw %q", got)
	}
	if got := s.links["Carol"].take(); len(got) != 0 {
		t.Errorf("carol heard a muted speaker: %q", got)
	}
	w.Do(bob, "channels")
	want := []string{"Channels ('channels <channel> on|off'):",
		"  chat     on   talk with everyone playing",
		"  newbie   off  questions from new players, answers from everyone"}
	if got := s.links["Bob"].take(); !slices.Equal(got, want) {
		t.Errorf("channels:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, tt := range []struct{ line, want string }{
		{"channels newbie", "You turn the newbie channel on."},
		{"channels newbie", "You turn the newbie channel off."},
		{"channels NEWBIE On", "You turn the newbie channel on."},
		{"channels chat off", "You turn the chat channel off."},
		{"channels chat maybe", "Turn the chat channel on or off? (channels chat on|off)"},
		{"channels gossip off", `There is no channel "gossip". The channels are: chat, newbie.`},
		{"newbie", "Say what on the newbie channel? (newbie <text>)"},
	} {
		w.Do(bob, tt.line)
		if got := s.links["Bob"].take(); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("%s: bob saw %q, want %q", tt.line, got, tt.want)
		}
	}
	if !bob.Muted["chat"] || bob.Muted["newbie"] {
		t.Errorf("bob's muted channels: %v", bob.Muted)
	}
	w.broadcast("chat", alice, "again")
	if got := s.links["Bob"].take(); len(got) != 0 {
		t.Errorf("bob, chat off, saw %q", got)
	}
}

func TestSocialsList(t *testing.T) {
	s := newSocialWorld(t)
	alice := s.enter("Alice", RolePlayer)
	s.w.Do(alice, "socials")
	want := []string{"Socials (type one alone or with a name: 'smile bob'):", "  poke          smile"}
	if got := s.links["Alice"].take(); !slices.Equal(got, want) {
		t.Errorf("socials: %q, want %q", got, want)
	}
}
