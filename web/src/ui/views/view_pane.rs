use super::app_view::AppView;
use super::conversations::Conversations;
use super::endpoints::Endpoints;
use super::expert::ExpertInfo;
use super::hierarchy::Hierarchy;
use super::sessions::Sessions;
use super::sql::SqlView;
use super::view_tabs::ViewTabs;
use crate::ui::charts::Charts;
use crate::ui::detail::PacketPane;
use crate::ui::follow::FollowView;
use crate::ui::state::{use_state, Tab};
use leptos::prelude::*;

/// The lower pane: tabs, and the view of the selected tab.
#[component]
pub fn ViewPane() -> impl IntoView {
    let state = use_state();
    // The view is made again only when another tab is chosen.
    let tab = Memo::new(move |_| state.tab.get());
    view! {
        <section class="view-pane" aria-label="Views">
            <ViewTabs />
            <div class="view-body" role="tabpanel">
                {move || match tab.get() {
                    Tab::Detail => view! { <PacketPane /> }.into_any(),
                    Tab::Follow => view! { <FollowView /> }.into_any(),
                    Tab::Conversations => view! { <Conversations /> }.into_any(),
                    Tab::Endpoints => view! { <Endpoints /> }.into_any(),
                    Tab::Sessions => view! { <Sessions /> }.into_any(),
                    Tab::Expert => view! { <ExpertInfo /> }.into_any(),
                    Tab::Hierarchy => view! { <Hierarchy /> }.into_any(),
                    Tab::Charts => view! { <Charts /> }.into_any(),
                    Tab::Sql => view! { <SqlView /> }.into_any(),
                    Tab::App(name) => view! { <AppView name /> }.into_any(),
                }}
            </div>
        </section>
    }
}
