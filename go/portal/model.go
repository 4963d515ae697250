package portal

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/libuid2/libuid2/go/sharing"
)

// The Portal's labels for participant types and API roles (spec §5.7;
// Bidder is the operator's ID_READER).
var (
	typeLabels = map[sharing.Type]string{
		sharing.Publisher: "Publisher", sharing.Advertiser: "Advertiser",
		sharing.DSP: "DSP", sharing.DataProvider: "Data Provider",
	}
	typePlurals = map[sharing.Type]string{
		sharing.Publisher: "Publishers", sharing.Advertiser: "Advertisers",
		sharing.DSP: "DSPs", sharing.DataProvider: "Data Providers",
	}
	roleLabels = map[sharing.Role]string{
		sharing.Mapper: "Mapper", sharing.Generator: "Generator",
		sharing.Sharer: "Sharer", sharing.Bidder: "Bidder",
	}
	// The order of the bulk checkboxes (spec §5.3) and of the API key
	// permissions (§5.9).
	bulkOrder = []sharing.Type{sharing.Publisher, sharing.Advertiser, sharing.DSP, sharing.DataProvider}
	roleOrder = []sharing.Role{sharing.Mapper, sharing.Generator, sharing.Sharer, sharing.Bidder}
	// The order of the search filter's chips (§5.4).
	chipOrder = []sharing.Type{sharing.Advertiser, sharing.DataProvider, sharing.DSP, sharing.Publisher}
)

// participant is a site as the pages show it.
type participant struct {
	ID    int
	Name  string
	Types []sharing.Type
}

// TypeKeys is the site's types as a space-separated list, for the page's
// script to filter on.
func (p participant) TypeKeys() string {
	s := make([]string, len(p.Types))
	for i, t := range p.Types {
		s[i] = string(t)
	}
	return strings.Join(s, " ")
}

func participantOf(s *sharing.Site) participant {
	return participant{ID: s.ID, Name: s.Name, Types: slices.Clone(s.Types)}
}

// roles is the union of the roles of a site's working API keys.
func roles(st *sharing.State, siteID int) []sharing.Role {
	var out []sharing.Role
	for i := range st.APIKeys {
		k := &st.APIKeys[i]
		if k.SiteID != siteID || k.Disabled != 0 {
			continue
		}
		for _, r := range k.Roles {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// canBeSharedWith is the Portal's test for a valid sharing target (spec
// §5.7): a site with a Sharer key, or a DSP with a Bidder key. (The
// operator's OPTOUT role, which excludes a site, is not modelled here.)
func canBeSharedWith(st *sharing.State, site *sharing.Site) bool {
	r := roles(st, site.ID)
	return slices.Contains(r, sharing.Sharer) || slices.Contains(r, sharing.Bidder) && site.HasType(sharing.DSP)
}

// recommended is the bulk recommendation for a participant of these types
// (spec §5.3), in checkbox order.
func recommended(types []sharing.Type) []sharing.Type {
	has := func(ts ...sharing.Type) bool {
		for _, t := range ts {
			if slices.Contains(types, t) {
				return true
			}
		}
		return false
	}
	var out []sharing.Type
	if has(sharing.DataProvider) {
		out = append(out, sharing.Publisher)
	}
	if has(sharing.DataProvider, sharing.DSP) {
		out = append(out, sharing.Advertiser)
	}
	if has(sharing.DataProvider, sharing.Advertiser, sharing.Publisher) {
		out = append(out, sharing.DSP)
	}
	if has(sharing.Advertiser, sharing.DSP) {
		out = append(out, sharing.DataProvider)
	}
	return out
}

// joinAnd joins a list as "A", "A and B", "A, B and C".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// recommendationText is the bold sentence of recommendation mode.
func recommendationText(types []sharing.Type) string {
	own := make([]string, len(types))
	for i, t := range types {
		own[i] = typeLabels[t]
	}
	article := "a"
	if own[0] != "" && strings.ContainsRune("AEIOU", rune(own[0][0])) {
		article = "an"
	}
	rec := recommended(types)
	with := "participants"
	if len(rec) < len(sharing.Types) {
		names := make([]string, len(rec))
		for i, t := range rec {
			names[i] = typePlurals[t]
		}
		with = joinAnd(names)
	}
	return "As " + article + " " + joinAnd(own) + ", we recommend you share with all " + with + "."
}

// permission is a row of Your Sharing Permissions.
type permission struct {
	participant
	Manual    bool
	BulkTypes []sharing.Type // the site's types the sender shares with in bulk
}

// Source is the row's source column (spec §5.5).
func (p permission) Source() string {
	bulk := make([]string, len(p.BulkTypes))
	for i, t := range p.BulkTypes {
		bulk[i] = typeLabels[t]
	}
	switch {
	case p.Manual && len(bulk) > 0:
		return "Manual and Bulk: " + strings.Join(bulk, ", ")
	case p.Manual:
		return "Manual"
	default:
		return "Bulk: " + strings.Join(bulk, ", ")
	}
}

// BulkLabel names the bulk types that keep a row shared after its manual
// permission is deleted.
func (p permission) BulkLabel() string {
	bulk := make([]string, len(p.BulkTypes))
	for i, t := range p.BulkTypes {
		bulk[i] = typeLabels[t]
	}
	return strings.Join(bulk, ", ")
}

// request is a sharing request as the pages show it.
type request struct {
	ID      int
	Other   participant // the requester (incoming) or the asked sender (outgoing)
	Status  string
	Created time.Time
}

// sharingView is everything the Sharing Permissions page and the Home card
// show for one site.
type sharingView struct {
	Site             participant
	Roles            []sharing.Role
	CanReceive       bool
	RecommendMode    bool
	Recommendation   string
	SavedTypes       []sharing.Type // allowed_types: the sender's type grants
	InitialTypes     []sharing.Type // what the bulk boxes start at
	Available        []participant  // valid targets other than the site
	Candidates       []participant  // available, not yet shared with
	Permissions      []permission
	Manual           int
	Automatic        int
	Incoming         []request // pending requests to this site
	Outgoing         []request // this site's requests, any status
	RequestTargets   []participant
	PublisherNoShare bool
}

func buildSharingView(st *sharing.State, siteID int) *sharingView {
	site := st.Site(siteID)
	v := &sharingView{Site: participantOf(site), Roles: roles(st, siteID), CanReceive: canBeSharedWith(st, site)}
	v.RecommendMode = !site.RecommendationsDone
	v.Recommendation = recommendationText(site.Types)
	v.PublisherNoShare = site.HasType(sharing.Publisher) && !slices.Contains(v.Roles, sharing.Sharer)

	individual := map[int]bool{}
	bulkTypes := map[sharing.Type]bool{}
	for i := range st.Grants {
		g := &st.Grants[i]
		if g.Sender != siteID {
			continue
		}
		if g.Type == "" {
			individual[g.Site] = true
		} else {
			bulkTypes[g.Type] = true
		}
	}
	for _, t := range bulkOrder {
		if bulkTypes[t] {
			v.SavedTypes = append(v.SavedTypes, t)
		}
	}
	v.InitialTypes = v.SavedTypes
	if v.RecommendMode {
		v.InitialTypes = recommended(site.Types)
	}
	for i := range st.Sites {
		s := &st.Sites[i]
		if s.ID == siteID {
			continue
		}
		valid := canBeSharedWith(st, s)
		if valid {
			v.Available = append(v.Available, participantOf(s))
		}
		covered := st.ReceivesFrom(siteID, s.ID)
		// A site covered by a type grant cannot also be granted singly
		// (package sharing), so it is not offered.
		if valid && !covered {
			v.Candidates = append(v.Candidates, participantOf(s))
		}
		var bt []sharing.Type
		for _, t := range bulkOrder {
			if bulkTypes[t] && s.HasType(t) {
				bt = append(bt, t)
			}
		}
		if len(bt) > 0 {
			v.Automatic++
		}
		// Listed: every site shared singly; a site shared in bulk only if
		// it is a valid target and a grant covers it now.
		manual := individual[s.ID]
		if manual || valid && covered {
			if !covered {
				bt = nil
			}
			v.Permissions = append(v.Permissions, permission{participant: participantOf(s), Manual: manual, BulkTypes: bt})
		}
		if v.CanReceive && !st.ReceivesFrom(s.ID, siteID) && !hasPending(st, s.ID, siteID) {
			v.RequestTargets = append(v.RequestTargets, participantOf(s))
		}
	}
	v.Manual = len(individual)
	byName := func(ps []participant) {
		sort.SliceStable(ps, func(i, j int) bool { return strings.ToLower(ps[i].Name) < strings.ToLower(ps[j].Name) })
	}
	byName(v.Available)
	byName(v.Candidates)
	byName(v.RequestTargets)
	sort.SliceStable(v.Permissions, func(i, j int) bool {
		return strings.ToLower(v.Permissions[i].Name) < strings.ToLower(v.Permissions[j].Name)
	})
	for _, r := range st.Requests {
		switch {
		case r.Sender == siteID && r.Status == sharing.Pending:
			v.Incoming = append(v.Incoming, request{ID: r.ID, Other: participantOf(st.Site(r.Receiver)), Status: r.Status, Created: time.Unix(r.Created, 0).UTC()})
		case r.Receiver == siteID:
			v.Outgoing = append(v.Outgoing, request{ID: r.ID, Other: participantOf(st.Site(r.Sender)), Status: r.Status, Created: time.Unix(r.Created, 0).UTC()})
		}
	}
	return v
}

func hasPending(st *sharing.State, sender, receiver int) bool {
	for _, r := range st.Requests {
		if r.Sender == sender && r.Receiver == receiver && r.Status == sharing.Pending {
			return true
		}
	}
	return false
}
