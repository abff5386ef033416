# ruff: noqa: E501 (one paragraph per line)
"""Hand-written fictional news articles: the originals of the reuse corpus.

Every name, place and event is invented. Paragraphs are separated by blank lines and each is
at least 250 characters, so any reused paragraph is a passage above ``min_passage_chars``.
"""

ORIGINALS: dict[str, str] = {}

ORIGINALS["flood"] = """Heavy rain flooded the lower districts of Varnholm overnight, forcing more than four hundred residents to leave their homes as the river Selde rose almost three metres above its usual level. Emergency crews worked until dawn to pump water from the basement of the central hospital, which kept its wards open on generator power.

"We have not seen water like this since the winter of 1987," said Marta Ellingsen, who runs a bakery on Quay Street and spent the night carrying flour sacks to the first floor. "The sandbags held for two hours, and then the drains started pushing water up through the floor."

The regional weather office said that 114 millimetres of rain fell in twelve hours at the Varnholm gauge, more than the average for the whole of October. Forecasters expect a further band of showers on Thursday afternoon but say the worst of the storm has moved east towards the hill villages.

Mayor Henrik Dalby told a press conference that the town would open two sports halls as temporary shelters and that the council would cover hotel costs for families with small children. He promised a review of the flood barriers, which were built in 2009 and were meant to withstand a once-in-a-century flood.

Insurance companies have set up a joint desk at the town library to register claims. Officials urged residents not to drive through standing water and to report damaged power lines to the grid operator rather than approaching them, after two cables fell on Mill Road during the night."""

ORIGINALS["budget"] = """The city council of Oster Brede approved a budget of 1.2 billion crowns for next year on Tuesday evening after a debate that lasted more than nine hours and ended with a narrow vote of twenty-six to twenty-three. The plan raises spending on schools and public transport while freezing the salaries of senior officials.

Council leader Ingrid Solvik defended the decision to borrow 90 million crowns for a new tram line to the northern suburbs. "Every year we delay the tram, the price goes up and the traffic gets worse," she told members. "This is the cheapest moment we will ever have to build it, and the state grant will not wait for us."

Opposition members argued that the borrowing would leave the city exposed if interest rates continue to rise. Peter Hagel, who leads the largest opposition group, said the council had ignored the warnings of its own auditors and that residents would pay for the tram through higher property taxes within three years.

The budget also includes money for forty new teaching posts, the renovation of two swimming pools and a pilot scheme of free bus travel for pensioners on weekdays outside the rush hour. Funding for the municipal theatre was cut by eight percent, a decision that drew protests outside the town hall before the meeting.

The tram line is expected to go out to tender in the spring, with construction due to start in 2027 if the state confirms its share of the funding. The council will publish the full budget documents on its website next week, together with a summary of the amendments that were rejected during the debate."""

ORIGINALS["trial"] = """A former finance director of the shipping firm Kessel Line went on trial in Hadeby on Monday, accused of moving almost 40 million crowns from company accounts into a network of private firms over a period of six years. Lars Tennfjord, 58, denies all charges of fraud and false accounting.

Prosecutor Anja Rud told the court that Tennfjord had approved invoices from consulting companies that did no work for the shipping firm and that were controlled by his brother-in-law. She said the payments were split into amounts just below the limit that required the signature of a second director.

The defence said the consulting firms had provided real services in negotiations with port authorities in three countries and that the invoices had been checked by external auditors every year. Tennfjord's lawyer, Ola Brekke, said his client had been made a scapegoat for losses caused by the collapse of freight prices.

Kessel Line discovered the payments during a review ordered by its new chief executive in 2023 and reported the matter to the police. The company has since recovered part of the money through a civil settlement with two of the consulting firms, according to documents presented on the first day of the trial.

The trial is expected to last five weeks. The court will hear from more than thirty witnesses, including former board members and the auditors who signed the accounts. If convicted, Tennfjord faces a prison sentence of up to six years under the law on aggravated fraud."""

ORIGINALS["vaccine"] = """Researchers at the University of Lindvik say a new nasal vaccine against seasonal influenza protected more than seventy percent of volunteers in an early trial, a result they describe as promising but not yet enough to replace the injected vaccines used today. The study, published on Wednesday, involved 640 adults.

The vaccine is sprayed into the nose and is designed to build immunity in the lining of the airways, where the virus first enters the body. "The idea is to stop the infection at the door rather than in the house," said Professor Sigrid Aasen, who led the study. "If it works at scale, people could take it at home."

Volunteers who received the spray reported mild side effects such as a runny nose or a sore throat for one or two days. Nobody in the trial was admitted to hospital because of the vaccine, and the rate of side effects was similar to that of the placebo group, according to the published results.

Independent experts welcomed the findings but warned that the trial was too small to show whether the vaccine prevents severe illness in older people, who account for most deaths from influenza. A larger trial with 12,000 participants in four countries is planned for the next two winters and will include people over seventy.

The university has licensed the technology to a small biotech company in Hadeby, which hopes to apply for approval in 2028. The company said it would need to raise about 300 million crowns to build a production line able to supply the vaccine for a national programme."""

ORIGINALS["football"] = """Brede Athletic secured promotion to the top division for the first time in nineteen years on Saturday, beating Kallstad 3-1 in front of a sold-out crowd of eleven thousand at the Riverside Ground. Two goals from the nineteen-year-old striker Emil Vang settled a nervous afternoon.

Kallstad took the lead after twelve minutes when a corner was flicked on at the near post and the ball bounced in off the shoulder of a defender. For half an hour the home side struggled to create chances, and the crowd grew quiet as news came through that their closest rivals were winning away.

The turning point came just before half-time, when Vang chased a long ball over the top, held off his marker and lifted the ball over the goalkeeper. He scored again ten minutes after the break with a low shot from the edge of the area, and captain Jonas Lie added a third from the penalty spot late on.

Manager Karin Holt, who took over the club when it was close to relegation to the third tier four years ago, was thrown into the air by her players at the final whistle. "I told them in March that nobody outside this building believed in us," she said. "That was the best motivation we could have had."

The club now faces the task of bringing the stadium up to the standard required for top-division football, including new floodlights and a covered stand behind the north goal. The board said work would start in June and that season-ticket prices would not rise by more than five percent next year."""

ORIGINALS["factory"] = """The battery maker Nordcell will close its factory in Tarnvik at the end of the year, putting 850 jobs at risk in a town where it is the largest private employer. The company blamed falling prices for battery cells and the loss of a major contract with a car manufacturer in the spring.

Workers were told of the decision at a meeting in the factory canteen on Thursday morning. Union representative Bodil Strand said many of them had moved to Tarnvik with their families when the plant opened six years ago. "People bought houses here because they were promised a future," she said. "Now they have been given four months."

Nordcell received more than 500 million crowns in public support to build the factory, including a grant from the regional development fund and cheap loans from a state bank. The minister of industry said the government would examine whether the company must repay part of the money under the terms of the grant.

The company said it would offer some workers jobs at its smaller plant in the south and would work with the municipality to find a new owner for the site. Analysts said the modern production halls and the direct access to cheap hydropower could attract another manufacturer, but that a sale could take years.

Tarnvik's mayor, Anders Moe, called the closure a heavy blow and asked the government to set up a task force to help workers find new jobs. Local shops and the football club, which is sponsored by Nordcell, have already begun to count the cost of a decision that few in the town saw coming."""

ORIGINALS["bridge"] = """The new suspension bridge across the Halvik fjord opened to traffic on Sunday morning, cutting the journey between the towns of Halvik and Sorstrand from an hour and a half by ferry to twelve minutes by car. Several thousand people walked across the bridge on Saturday before it opened to vehicles.

At 1,380 metres between its towers, the bridge has the longest main span in the country. Its construction took six years and cost 5.6 billion crowns, about fifteen percent more than planned, largely because strong winds halted work on the cables for several weeks during two winters.

Drivers will pay a toll of 95 crowns each way for the next fifteen years to cover part of the cost. Local businesses have complained that the toll is too high for people who cross every day, and the county has asked the transport ministry to introduce a discount for commuters who travel more than twenty times a month.

The ferry that has crossed the fjord for more than sixty years made its last trip on Saturday night, with a brass band on deck and a crew that included two members who had worked on the route since the 1980s. The ferry company said most of its staff had been offered jobs on other routes along the coast.

Engineers will monitor the bridge with more than two hundred sensors that measure movement, temperature and the tension in the cables. The road authority said the bridge would close for short periods during severe storms, when gusts above thirty metres per second make the crossing unsafe for high vehicles."""

ORIGINALS["election"] = """Voters in the province of Ellmark will elect a new regional assembly on Sunday after a campaign dominated by hospital closures, rising rents and the future of the regional airport. Polls suggest that no party will win a majority and that coalition talks could last several weeks.

The governing Centre Alliance, led by Tove Marstrand, has promised to keep all four regional hospitals open and to build three thousand affordable homes over the next four years. Its main rival, the Coastal Party, says the plan is unaffordable and wants to merge two hospitals into a new building near the motorway.

The airport has become the most divisive issue of the campaign. The regional government pays about 70 million crowns a year to keep flights to the capital running, and a report published in August concluded that the subsidy costs more than 400 crowns for every passenger. Several smaller parties want the money moved to rail.

Turnout in the last regional election was just 58 percent, and the electoral commission has run advertisements on buses and social media to encourage young people to vote. Polling stations will open at nine in the morning and close at eight in the evening, and the first results are expected shortly after midnight.

Whoever wins will face a difficult budget. The regional treasurer warned in September that rising costs in the health service would leave a gap of around 250 million crowns next year unless the state increases its grant, which the finance ministry has so far refused to discuss before the national budget."""

ORIGINALS["wolves"] = """A pack of five wolves has settled in the forests north of Granlia for the first time in more than a century, the regional environment agency confirmed on Friday after analysing droppings and footage from wildlife cameras. The animals are believed to have moved in from across the border during the summer.

Sheep farmers in the valley have reacted with alarm. Arne Fosse, who keeps three hundred sheep on summer pastures above the village, said he had found two dead lambs in August and was now bringing his flock down to the farm every night. "I cannot sit up with a rifle every night until October," he said.

The agency said there was no evidence so far that the wolves had killed any livestock and that the lambs could have been taken by a lynx or a wolverine. It will collect samples from any animals found dead in the area and has offered to pay for electric fencing around the pastures where the risk is highest.

Conservation groups welcomed the return of the wolves, saying the forests around Granlia have large numbers of elk and deer and could support a pack without conflict. They called on the government to reject any request for a licence to shoot the animals before the pack's movements have been mapped.

The question of how many wolves the country should have has divided rural and urban voters for decades. Parliament set a target of four to six breeding packs in 2016, and the pack in Granlia would be the seventh, which could lead to pressure to cull animals elsewhere in the region."""

ORIGINALS["library"] = """The public library in Saltholm reopened on Monday after a two-year renovation that turned the old grain warehouse on the harbour into one of the largest libraries in the region. More than two thousand people visited on the first day, and the queue for library cards stretched out onto the quay.

The building now holds 140,000 books, a music studio, a workshop with 3D printers and sewing machines, and a reading room on the top floor with views across the harbour. The architects kept the original timber beams and the iron hooks that were once used to lift sacks of grain from the ships.

Head librarian Ruth Lindqvist said the library would stay open until ten in the evening on weekdays, with staff on duty until seven and self-service after that. "A library is not only a place for books," she said. "It is one of the few places left where you can spend a whole day without having to buy anything."

The renovation cost 310 million crowns, paid by the municipality with help from a private foundation established by a local shipping family. The project ran almost a year late after workers found that the foundations of the warehouse were rotten and had to be reinforced with steel piles.

The library's old building in the town centre will be turned into housing for students. The municipality said the first tenants could move in next autumn and that the ground floor would keep a small reading corner with newspapers and magazines for older residents who find it difficult to reach the harbour."""
